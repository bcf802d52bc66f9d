"""Apply translations from a Python dict file to the .po; check placeholders; list what remains."""
import re, sys, importlib.util, polib
import os; FORCE = bool(os.environ.get("FORCE"))
PO = os.environ.get('PO', '/work/wt-i18n/src/openbeat/locale/es/LC_MESSAGES/django.po')
TOK = re.compile(r'%\([a-z_0-9]+\)[sd]|%[sd]|%%|\{[a-z_0-9]*\}|</?[a-z]+[^>]*>|\*\*|\[|\]\(', re.I)
def toks(s): return sorted(TOK.findall(s))
po = polib.pofile(PO, wrapwidth=79)
tr = {}
for path in sys.argv[1:]:
    spec = importlib.util.spec_from_file_location('t', path); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
    tr.update(m.T)
done = 0; bad = []
for e in po:
    if e.obsolete: continue
    need = FORCE or "fuzzy" in e.flags or not e.translated()
    if not need or e.msgid not in tr: continue
    t = tr[e.msgid]
    if e.msgid_plural:
        assert isinstance(t, (list, tuple)) and len(t) == 2, e.msgid
        if toks(t[0]) != toks(e.msgid) and toks(t[0]) != toks(e.msgid_plural): bad.append((e.msgid, t[0]))
        if toks(t[1]) != toks(e.msgid_plural): bad.append((e.msgid_plural, t[1]))
        e.msgstr_plural = {0: t[0], 1: t[1]}
    else:
        assert isinstance(t, str), e.msgid
        if toks(t) != toks(e.msgid): bad.append((e.msgid, t))
        e.msgstr = t
    if 'fuzzy' in e.flags: e.flags.remove('fuzzy')
    e.previous_msgid = None; e.previous_msgid_plural = None; e.previous_msgctxt = None
    done += 1
po.save(PO)
print('applied', done)
for b in bad: print('PLACEHOLDER MISMATCH:', b)
left = [e for e in po if not e.obsolete and ('fuzzy' in e.flags or not e.translated())]
print('remaining', len(left))
for e in left: print('  ', e.occurrences[0][0] if e.occurrences else '', repr(e.msgid[:100]))
