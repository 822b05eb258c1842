# feat.wat -> featrm.wat: the quantized value slots of every state row-major (id*28 + slot*4)
import re, sys
src = open(sys.argv[1]).read().split('\n')
L = lambda n: n - 1  # 1-based line -> index

def colconv(s, P, Pv):
    """column K (0..6) of pointer $P (field-major) -> $Pv + 4K (row-major); K=7,8 untouched"""
    s = s.replace(f'(local.get ${P}))', f'(local.get ${Pv}))') if False else s
    s = re.sub(rf'\(i32\.add \(local\.get \${P}\) \(local\.get \$fs\)\)', f'(i32.add (local.get ${Pv}) (i32.const 4))', s)
    def shl(m):
        k = 1 << int(m.group(1))
        return m.group(0) if k > 6 else f'(i32.add (local.get ${Pv}) (i32.const {4*k}))'
    s = re.sub(rf'\(i32\.add \(local\.get \${P}\) \(i32\.shl \(local\.get \$fs\) \(i32\.const (\d)\)\)\)', shl, s)
    def mul(m):
        k = int(m.group(1))
        return m.group(0) if k > 6 else f'(i32.add (local.get ${Pv}) (i32.const {4*k}))'
    s = re.sub(rf'\(i32\.add \(local\.get \${P}\) \(i32\.mul \(local\.get \$fs\) \(i32\.const (\d)\)\)\)', mul, s)
    # column 0: a bare (local.get $P) as a load/store address
    s = re.sub(rf'\((v128|i32)\.(load|store) \(local\.get \${P}\)', rf'(\1.\2 (local.get ${Pv})', s)
    # v128 on row-major addresses -> gather / scatter
    addr = rf'(\(local\.get \${Pv}\)|\(i32\.add \(local\.get \${Pv}\) \(i32\.const \d+\)\))'
    s = re.sub(rf'\(v128\.load {addr}\)', r'(call $g4 \1)', s)
    s = re.sub(rf'\(v128\.store {addr}', r'(call $s4 \1', s)
    return s

def apply(lo, hi, P, Pv):
    for n in range(L(lo), hi):
        src[n] = colconv(src[n], P, Pv)

# encode: fast path loads (cur, base, ref) and scalar path loads
apply(351, 420, 'c', 'cv'); apply(351, 420, 'a', 'av'); apply(351, 420, 'r', 'rv')
apply(425, 500, 'c', 'cv'); apply(425, 500, 'a', 'av'); apply(425, 500, 'r', 'rv')
out = '\n'.join(src)
open(sys.argv[2], 'w').write(out)

# ---- stage 2: line edits (line numbers of feat.wat; no lines are inserted before the end)
s = src
def rep(line, old, new, count=1):
    i = L(line)
    assert s[i].count(old) == count, (line, old, s[i])
    s[i] = s[i].replace(old, new)

rep(12, ';; Layout (all field-major, columns of n i32/f32, n % 4 == 0, fs = 4n bytes per column):',
    ';; ROW-MAJOR VARIANT (featrm.wat, made from feat.wat by mkrm.py): the 7 quantized slots of every state\n'
    ';; (server current, ring slots, reference, client ring slots, client applied) are rows of 28 bytes,\n'
    ';; id*28 + slot*4, as Canopy\'s SnapshotState.values; version and present stay per-id arrays (the\n'
    ';; columns 7 and 8 below, as SnapshotState.version/present). Four-entity steps gather ($g4) and\n'
    ';; scatter ($s4) lane by lane. Everything else is feat.wat unchanged.\n'
    ';; Layout of feat.wat (all field-major, columns of n i32/f32, n % 4 == 0, fs = 4n bytes per column):')
# helpers after setupF32
rep(79, '(global.set $f32ok (local.get $ok))', '(global.set $f32ok (local.get $ok))')
s[L(79)] += '''
  ;; row-major: slot of four consecutive rows (stride 28 bytes) as one i32x4, and back
  (func $g4 (param $a i32) (result v128)
    (i32x4.replace_lane 3 (i32x4.replace_lane 2 (i32x4.replace_lane 1 (i32x4.splat (i32.load (local.get $a)))
      (i32.load offset=28 (local.get $a))) (i32.load offset=56 (local.get $a))) (i32.load offset=84 (local.get $a))))
  (func $s4 (param $a i32) (param $v v128)
    (i32.store (local.get $a) (i32x4.extract_lane 0 (local.get $v)))
    (i32.store offset=28 (local.get $a) (i32x4.extract_lane 1 (local.get $v)))
    (i32.store offset=56 (local.get $a) (i32x4.extract_lane 2 (local.get $v)))
    (i32.store offset=84 (local.get $a) (i32x4.extract_lane 3 (local.get $v))))
  ;; $blend on a row-major slot
  (func $blendR (param $at i32) (param $v v128) (param $m v128)
    (call $s4 (local.get $at) (v128.bitselect (local.get $v) (call $g4 (local.get $at)) (local.get $m))))'''
# capture: rows
rep(147, '(i32.add (global.get $cur) (i32.shl (local.get $i) (i32.const 2)))', '(i32.add (global.get $cur) (i32.mul (local.get $i) (i32.const 28)))')
for n in range(199, 221):
    t = s[L(n)]
    t = t.replace('(v128.load (local.get $c))', '(call $g4 (local.get $c))').replace('(v128.store (local.get $c)', '(call $s4 (local.get $c)')
    t = t.replace('(local.set $c (i32.add (local.get $c) (local.get $fs)))', '(local.set $c (i32.add (local.get $c) (i32.const 4)))')
    s[L(n)] = t
# after 7 slots, the version array (column 7, per id)
rep(220, '(local.set $c (i32.add (local.get $c) (i32.const 4)))',
    '(local.set $c (i32.add (i32.add (global.get $cur) (i32.mul (local.get $fs) (i32.const 7))) (i32.shl (local.get $i) (i32.const 2))))')
# encode: locals and row pointers
rep(333, '(local $vpb v128)', '(local $vpb v128) (local $av i32) (local $cv i32) (local $rv i32)')
for n in (350, 424):
    s[L(n)] += ('\n      (local.set $av (i32.add (local.get $base) (i32.mul (local.get $o) (i32.const 7))))'
                '(local.set $cv (i32.add (global.get $cur) (i32.mul (local.get $o) (i32.const 7))))')
for n in (383, 462):
    s[L(n)] += '(local.set $rv (i32.add (local.get $ref) (i32.mul (local.get $o) (i32.const 7))))'
# decode: readEG / predAt / storeRot
rep(770, '(param $o i32) (param $a i32)', '(param $o i32) (param $pi i32) (param $a i32)')
rep(773, '(i32.mul (local.get $fs) (local.get $a))', '(i32.shl (local.get $a) (i32.const 2))')
rep(775, '(i32.add (i32.add (local.get $ref) (local.get $o)) (i32.mul (local.get $fs) (i32.const 7)))',
    '(i32.add (i32.add (local.get $ref) (local.get $pi)) (i32.mul (local.get $fs) (i32.const 7)))')
rep(776, '(i32.mul (local.get $fs) (local.get $a))', '(i32.shl (local.get $a) (i32.const 2))')
rep(821, '(local $max i32)', '(local $max i32) (local $pi i32)')
rep(825, '(local.set $o (i32.shl (i32.load (i32.add (global.get $clist) (i32.shl (local.get $j) (i32.const 2)))) (i32.const 2)))',
    '(local.set $pi (i32.shl (i32.load (i32.add (global.get $clist) (i32.shl (local.get $j) (i32.const 2)))) (i32.const 2)))'
    '(local.set $o (i32.mul (local.get $pi) (i32.const 7)))')
rep(838, '(local.get $o) (local.get $a)', '(local.get $o) (local.get $pi) (local.get $a)')
for n in (841, 853, 855):
    rep(n, '(i32.mul (local.get $fs) (local.get $a))', '(i32.shl (local.get $a) (i32.const 2))')
for n, k in ((871, 3), (872, 4), (873, 5), (875, 6)):
    rep(n, f'(i32.mul (local.get $fs) (i32.const {k}))', f'(i32.const {4*k})')
# readFixed: lists hold row offsets (id*28, bit 0 = no reference); present read per id
rep(905, '(then (v128.or (local.get $vo)', '(then (v128.or (i32x4.mul (local.get $vo) (v128.const i32x4 7 7 7 7))')
rep(907, '(else (v128.or (local.get $vo)', '(else (v128.or (i32x4.mul (local.get $vo) (v128.const i32x4 7 7 7 7))')
rep(908, '(local.get $vo))', '(i32x4.mul (local.get $vo) (v128.const i32x4 7 7 7 7)))')
rep(920, '(i32.or (local.get $o) (select', '(i32.or (i32.mul (local.get $o) (i32.const 7)) (select')
rep(925, '(local.get $o))', '(i32.mul (local.get $o) (i32.const 7)))')
rep(936, '(i32.mul (local.get $fs) (local.get $a))', '(i32.shl (local.get $a) (i32.const 2))')
rep(947, '(v128.const i32x4 0 4 8 12)', '(v128.const i32x4 0 28 56 84)')
rep(951, '(v128.load (local.get $at))', '(call $g4 (local.get $at))')
rep(953, '(v128.load (i32.add (local.get $ref) (local.get $o)))', '(call $g4 (i32.add (local.get $ref) (local.get $o)))')
rep(959, '(v128.store (local.get $at)', '(call $s4 (local.get $at)')
rep(1000, '(i32.mul (local.get $fs) (local.get $a))', '(i32.shl (local.get $a) (i32.const 2))')
rep(1010, '(v128.const i32x4 0 4 8 12)', '(v128.const i32x4 0 28 56 84)')
rep(1014, '(v128.load (local.get $at))', '(call $g4 (local.get $at))')
rep(1017, '(v128.store (local.get $at)', '(call $s4 (local.get $at)')
open(sys.argv[2], 'w').write('\n'.join(s))

# ---- stage 3: apply (decoded and applied states row-major; the client SoA stays field-major)
s = open(sys.argv[2]).read().split('\n')
a0 = next(i for i, t in enumerate(s) if t.startswith('  (func $applyState'))
a1 = next(i for i, t in enumerate(s) if t.startswith('  (func (export "setLastSeq")'))
body = s[a0:a1]
def brep(old, new, count=1):
    global body
    txt = '\n'.join(body)
    assert txt.count(old) == count, (old, txt.count(old))
    body = txt.replace(old, new).split('\n')
brep('(local.set $s (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2))))',
     '(local.set $s (i32.add (local.get $src) (i32.mul (local.get $i) (i32.const 28))))')
brep('(local.set $ap (i32.add (global.get $applied) (i32.shl (local.get $i) (i32.const 2))))',
     '(local.set $ap (i32.add (global.get $applied) (i32.mul (local.get $i) (i32.const 28))))')
brep('(v128.load (i32.add (local.get $s) (i32.mul (local.get $fs) (i32.const 7))))',
     '(v128.load (i32.add (i32.add (local.get $src) (i32.mul (local.get $fs) (i32.const 7))) (i32.shl (i32.sub (local.get $i) (i32.const 4)) (i32.const 2))))')
brep('(local.set $s (i32.add (local.get $s) (i32.mul (local.get $fs) (i32.const 3))))', '(local.set $s (i32.add (local.get $s) (i32.const 12)))')
brep('(local.set $ap (i32.add (local.get $ap) (i32.mul (local.get $fs) (i32.const 3))))', '(local.set $ap (i32.add (local.get $ap) (i32.const 12)))')
body = [colconv(colconv(t, 's', 's'), 'ap', 'ap') for t in body]
body = [re.sub(r'\(call \$blend (\(local\.get \$ap\)|\(i32\.add \(local\.get \$ap\) \(i32\.const \d+\)\))', r'(call $blendR \1', t) for t in body]
s[a0:a1] = body
open(sys.argv[2], 'w').write('\n'.join(s))
