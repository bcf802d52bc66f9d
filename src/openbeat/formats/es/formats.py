# "lunes, 7 de diciembre de 2026" and "7 dic 2026", 18:00 (never "07/12/2026").
DATE_FORMAT = r"l, j \d\e F \d\e Y"
SHORT_DATE_FORMAT = "j b Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = r"l, j \d\e F \d\e Y, H:i"
SHORT_DATETIME_FORMAT = "j b Y, H:i"
DECIMAL_SEPARATOR = "."  # US Spanish writes 39.3, as English does
THOUSAND_SEPARATOR = ","
