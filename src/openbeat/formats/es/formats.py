# "lunes, 7 de diciembre de 2026", 18:00
DATE_FORMAT = r"l, j \d\e F \d\e Y"
TIME_FORMAT = "H:i"
SHORT_DATETIME_FORMAT = "D j M Y, H:i"
DECIMAL_SEPARATOR = "."  # US Spanish writes 39.3, as English does
THOUSAND_SEPARATOR = ","
