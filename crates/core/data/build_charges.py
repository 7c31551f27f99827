"""Build the catalogue of charges (罪名) in force — charges.tsv — from the SPP's 1997 list and the
eight joint supplements of the SPC and SPP (2002–2024), as stored in the LawRefBook/Laws
repository (github.com/LawRefBook/Laws, 司法解释/):

    python3 build_charges.py PATH/TO/LawRefBook/Laws.git > charges.tsv

Explicit renamings (取消…罪名) and cancellations are applied; a new name given for exactly the
articles of one existing charge, with nothing cancelled, renames it (2002: 证券 → 证券、期货). It
prints what it did to stderr and must end with 483 charges (the count in force since 2021)."""
import re, subprocess, sys
REPO = sys.argv[1]
FILES = subprocess.run(['git', '-C', REPO, '-c', 'core.quotepath=off', 'ls-tree', '-r', '--name-only', 'HEAD'],
                       capture_output=True, text=True, check=True).stdout.splitlines()

def read(date):
    name = next(f for f in FILES if ('确定罪名' in f or '罪名的意见' in f) and f.endswith('(' + date + ').md'))
    return subprocess.run(['git', '-C', REPO, 'show', 'HEAD:' + name], capture_output=True, text=True, check=True).stdout
CN = {'零':0,'一':1,'二':2,'两':2,'三':3,'四':4,'五':5,'六':6,'七':7,'八':8,'九':9}
def cn2int(s):
    if s.isdigit(): return int(s)
    total, cur = 0, 0
    for ch in s:
        if ch in CN: cur = CN[ch]
        elif ch == '十': total += (cur or 1) * 10; cur = 0
        elif ch == '百': total += cur * 100; cur = 0
        elif ch == '千': total += cur * 1000; cur = 0
    return total + cur
NUM = '[0-9零一二两三四五六七八九十百千]+'
def drop_notes(a):
    # Innermost brackets first: （《修正案（三）》第8条） nests.
    while True:
        b = re.sub(r'（[^（）]*）', '', a)
        if b == a: return b
        a = b

def norm_articles(a):
    a = drop_notes(a)                          # drop the amendment note
    a = re.sub(r'（.*$', '', a)                # and an unclosed one
    a = a.replace('《决定》', '《全国人民代表大会常务委员会关于惩治骗购外汇、逃汇和非法买卖外汇犯罪的决定》')
    a = re.sub(r'\s+', '', a)
    a = re.sub('第(' + NUM + ')(条|款|项)', lambda m: '第%d%s' % (cn2int(m.group(1)), m.group(2)), a)
    a = re.sub('之(' + NUM + ')', lambda m: '之' + m.group(1), a)
    return a

def split_names(s):
    s = s.strip()
    parts = re.split(r'(?<=罪)(?:；|\s+|(?<!犯罪)、)', s)
    return [re.sub(r'\s+', '', p) for p in parts if p.strip()]

# The base: the SPP's opinion of 1997 (number．name（articles）).
base = read('1997-12-25')
charges = []   # [name, articles, source]
for m in re.finditer(r'(?:\d+．)?\s*((?:[^\s（）．]|（边）|（境）)+?罪)（(第[^）]+)）', base):
    charges.append([m.group(1), norm_articles(m.group(2)), '最高人民检察院关于适用刑法分则规定的犯罪的罪名的意见（1997）'])
print('base', len(charges), file=sys.stderr)

def find(name):
    return [c for c in charges if c[0] == name]

def cancel(name, why):
    hit = find(name)
    if not hit:
        print('  cancel: not in list:', name, '(' + why + ')', file=sys.stderr)
    for c in hit: charges.remove(c)

SUPPLEMENTS = [
    ('2002-03-15', '补充规定（2002）'), ('2003-08-15', '补充规定（二）（2003）'), ('2007-10-25', '补充规定（三）（2007）'),
    ('2009-10-14', '补充规定（四）（2009）'), ('2011-04-27', '补充规定（五）（2011）'), ('2015-10-30', '补充规定（六）（2015）'),
    ('2021-02-26', '补充规定（七）（2021）'),
]
for f, label in SUPPLEMENTS:
    source = '最高人民法院、最高人民检察院关于执行《中华人民共和国刑法》确定罪名的' + label
    text = read(f)
    rows = [l for l in text.splitlines() if l.startswith('|') and not l.startswith('|--') and '刑法条文' not in l]
    prev_article = None
    added_here = set()
    print(f, len(rows), 'rows', file=sys.stderr)
    for row in rows:
        cells = [c.strip() for c in row.strip().strip('|').split('|')]
        if len(cells) < 2: continue
        art_raw, names_raw = cells[0], cells[1]
        if not art_raw and prev_article: art_raw = prev_article
        prev_article = art_raw
        # Cancellations named in brackets.
        cancels = []
        for cm in re.finditer(r'取消([^）)]*?)(?:罪名)?[）)]?(?=$|\s|（|）)', names_raw):
            inner = re.sub(r'^刑法原第\S+?项', '', cm.group(1)).strip()
            inner = re.sub(r'罪名$', '', inner)
            for n in re.split(r'(?<=罪)(?:和|、(?<!犯罪、))', inner):
                n = re.sub(r'\s+', '', n)
                if n: cancels.append(n if n.endswith('罪') else n + '罪')
        names_only = re.sub(r'[（(]取消[^）)]*[）)]', ' ', names_raw)
        if names_only.strip().startswith('取消'):
            names_only = ''
        names = [n for n in split_names(names_only) if n.endswith('罪')]
        # Articles: one group per name when the cell has as many groups as names.
        groups = [g for g in re.split(r'\s+(?=第)', drop_notes(art_raw).strip()) if g]
        for c in cancels: cancel(c, f)
        for i, n in enumerate(names):
            art = norm_articles(groups[i] if len(groups) == len(names) and len(names) > 1 else ' '.join(groups) if len(names) == 1 else art_raw)
            if find(n):
                for c in find(n): c[1], c[2] = art, source
                continue
            same = [c for c in charges if c[1] == art and c[0] not in added_here]
            if not cancels and len(same) == 1 and len(names) == 1:
                print('  implicit rename:', same[0][0], '->', n, art, file=sys.stderr)
                same[0][0], same[0][2] = n, source
                continue
            charges.append([n, art, source])
            added_here.add(n)

# 2024 (八): one renaming, in words.
s8 = '最高人民法院、最高人民检察院关于执行《中华人民共和国刑法》确定罪名的补充规定（八）（2024）'
for c in find('徇私舞弊低价折股、出售国有资产罪'):
    c[0], c[2] = '徇私舞弊低价折股、出售公司、企业资产罪', s8
names = [c[0] for c in charges]
dups = {n for n in names if names.count(n) > 1}
print('total', len(charges), 'duplicates', dups, file=sys.stderr)
def key(c):
    m = re.match(r'第(\d+)条(?:之(.))?', c[1])
    return (int(m.group(1)) if m else 9999, cn2int(m.group(2)) if m and m.group(2) else 0)
charges.sort(key=key)
assert len(charges) == 483 and not dups, 'the catalogue in force has 483 charges'
out = sys.stdout
out.write('# 罪名\t刑法条文\t确定罪名的依据 — built by build_charges.py from LawRefBook/Laws; do not edit by hand\n')
for c in charges:
    out.write('\t'.join(c) + '\n')
