# US English, as residents of Smyrna and Clayton write dates. One long and one short form of a date
# everywhere: "Monday, December 7, 2026" and "Dec 7, 2026" (never "12/07/2026", which a reader
# from elsewhere takes for 12 July). Times as "7:00 PM": no "p.m." to end a sentence with "..".
DATE_FORMAT = "l, F j, Y"
SHORT_DATE_FORMAT = "M j, Y"
TIME_FORMAT = "g:i A"
DATETIME_FORMAT = "l, F j, Y, g:i A"
SHORT_DATETIME_FORMAT = "M j, Y, g:i A"
