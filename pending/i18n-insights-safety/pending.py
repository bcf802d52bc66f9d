import polib, sys, glob
seen = {}
for b in sys.argv[1:]:
    po = polib.pofile(f'/tmp/i18n/snap-{b}/src/openbeat/locale/es/LC_MESSAGES/django.po')
    for e in po:
        if e.obsolete: continue
        if 'fuzzy' in e.flags or not e.translated():
            key = e.msgid
            if key in seen: continue
            seen[key] = 1
            print('---', b, e.occurrences[0][0] if e.occurrences else '', e.occurrences[0][1] if e.occurrences else '')
            print('  ID:', repr(e.msgid))
            if e.msgid_plural: print('  PL:', repr(e.msgid_plural))
