# British English (the en-gb catalogue): "Monday 7 December 2026", "7 Dec 2026", 19:00.
# Every name the en module sets is set here too, or the en module's would be used for en-gb.
DATE_FORMAT = "l j F Y"
SHORT_DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "l j F Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
