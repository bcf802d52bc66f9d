# US English, as residents of Smyrna and Clayton write dates: "Monday, December 7, 2026".
DATE_FORMAT = "l, F j, Y"
TIME_FORMAT = "P"
SHORT_DATETIME_FORMAT = "D M j, Y, P"
