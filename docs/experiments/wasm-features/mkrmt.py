# featrm.wat -> featrmt.wat: the same row-major states, but where four consecutive entities are
# handled together (capture, the encoder's dense path, apply) their 4 rows (112 contiguous bytes, 7
# v128) are loaded whole and transposed to 7 slot vectors in registers (3 two-input 32x4 shuffles
# per slot), and stored back the same way; the decoder's per-column groups keep the lane gathers.
import sys
s = open(sys.argv[1]).read()

def shuf(a, b, lanes):
    """i8x16.shuffle of 32-bit lanes: lanes index 0-3 = a, 4-7 = b"""
    by = ' '.join(str(4 * l + k) for l in lanes for k in range(4))
    return f'(i8x16.shuffle {by} {a} {b})'

def pick(srcs):
    """srcs: 4 (vector expr, lane) pairs from 4 distinct vectors -> one v128 expr, 3 shuffles"""
    (A, la), (B, lb), (C, lc), (D, ld) = srcs
    t1 = shuf(A, B, [la, la, 4 + lb, 4 + lb])
    t2 = shuf(C, D, [lc, lc, 4 + ld, 4 + ld])
    return shuf(t1, t2, [0, 2, 4, 6])

R = [f'(local.get $r{j})' for j in range(7)]
C = [f'(local.get $c{k})' for k in range(7)]
# rows -> slot columns
t7 = ['  ;; four consecutive rows (7 slots, 112 bytes at $a, 16-aligned) as 7 slot vectors (lanes = entities)',
      '  (func $t7 (param $a i32) (result v128 v128 v128 v128 v128 v128 v128)',
      '    ' + ' '.join(f'(local $r{j} v128)' for j in range(7))]
t7 += [f'    (local.set $r{j} (v128.load offset={16*j} (local.get $a)))' for j in range(7)]
for k in range(7):
    t7.append('    ' + pick([(R[(7 * e + k) // 4], (7 * e + k) % 4) for e in range(4)]))
t7[-1] += ')'
# the first three slots only (6 rows)
t3 = ['  (func $t3 (param $a i32) (result v128 v128 v128)',
      '    ' + ' '.join(f'(local $r{j} v128)' for j in range(6))]
t3 += [f'    (local.set $r{j} (v128.load offset={16*j} (local.get $a)))' for j in range(6)]
for k in range(3):
    t3.append('    ' + pick([(R[(7 * e + k) // 4], (7 * e + k) % 4) for e in range(4)]))
t3[-1] += ')'
# slot columns -> rows
u7 = ['  ;; 7 slot vectors back into four consecutive rows at $a',
      '  (func $u7 (param $a i32) ' + ' '.join(f'(param $c{k} v128)' for k in range(7))]
for j in range(7):
    srcs = [(C[f % 7], f // 7) for f in range(4 * j, 4 * j + 4)]
    u7.append(f'    (v128.store offset={16*j} (local.get $a) {pick(srcs)})')
u7[-1] += ')'
helpers = '\n'.join(t7 + t3 + u7)
anchor = '  ;; $blend on a row-major slot'
assert s.count(anchor) == 1
s = s.replace(anchor, helpers + '\n' + anchor)

def rep(old, new, count=1):
    global s
    assert s.count(old) == count, (old, s.count(old))
    s = s.replace(old, new)

rep(";; scatter ($s4) lane by lane. Everything else is feat.wat unchanged.",
    ";; scatter ($s4) lane by lane. Everything else is feat.wat unchanged.\n"
    ";; TRANSPOSED VARIANT (featrmt.wat, made from featrm.wat by mkrmt.py): capture, the encoder's dense\n"
    ";; path and apply load four consecutive rows whole (7 v128) and transpose them in registers ($t7,\n"
    ";; $t3, $u7: three 32x4 shuffles per vector); the decoder's column groups keep $g4/$s4.")
# capture
old_cap = s[s.index('      ;; change detection + store'):s.index('      (local.set $c (i32.add (i32.add (global.get $cur) (i32.mul (local.get $fs) (i32.const 7)))')]
new_cap = '''      ;; change detection + store (four rows transposed in registers)
      (call $t7 (local.get $c))
      (local.set $o6) (local.set $o5) (local.set $o4) (local.set $o3) (local.set $o2) (local.set $o1) (local.set $o0)
      (local.set $d (v128.or (v128.or (v128.or (v128.xor (local.get $q0) (local.get $o0)) (v128.xor (local.get $q1) (local.get $o1)))
        (v128.or (v128.xor (local.get $q2) (local.get $o2)) (v128.xor (local.get $lg) (local.get $o3))))
        (v128.or (v128.or (v128.xor (local.get $q4) (local.get $o4)) (v128.xor (local.get $q5) (local.get $o5))) (v128.xor (local.get $q6) (local.get $o6)))))
      (call $u7 (local.get $c) (local.get $q0) (local.get $q1) (local.get $q2) (local.get $lg) (local.get $q4) (local.get $q5) (local.get $q6))
'''
s = s.replace(old_cap, new_cap)
rep('(local $valid v128) (local $lo v128) (local $hiv v128) (local $d v128) (local $old v128)',
    '(local $valid v128) (local $lo v128) (local $hiv v128) (local $d v128) (local $old v128)\n    '
    + ' '.join(f'(local $o{k} v128)' for k in range(7)))
# encoder dense path
i0 = s.index('        (local.set $vc0 (call $g4 (local.get $cv)))')
i1 = s.index('\n', s.index('        (local.set $vc6 (call $g4'))
s = s[:i0] + '''        (call $t7 (local.get $cv))
        (local.set $vc6) (local.set $vc5) (local.set $vc4) (local.set $vc3) (local.set $vc2) (local.set $vc1) (local.set $vc0)
        (call $t7 (local.get $av))
        (local.set $vb6) (local.set $vb5) (local.set $vb4) (local.set $vb3) (local.set $vb2) (local.set $vb1) (local.set $vb0)''' + s[i1:]
i0 = s.index('            (local.set $vp0 (i32x4.min_s (i32x4.max_s (i32x4.sub (i32x4.shl (local.get $vb0) (i32.const 1)) (call $g4 (local.get $rv)))')
i1 = s.index('\n', s.index('            (local.set $vp2 (i32x4.min_s'))
s = s[:i0] + '''            (call $t3 (local.get $rv)) (local.set $vp2) (local.set $vp1) (local.set $vp0)
            (local.set $vp0 (i32x4.min_s (i32x4.max_s (i32x4.sub (i32x4.shl (local.get $vb0) (i32.const 1)) (local.get $vp0)) (v128.const i32x4 0 0 0 0)) (i32x4.splat (global.get $mvX))))
            (local.set $vp1 (i32x4.min_s (i32x4.max_s (i32x4.sub (i32x4.shl (local.get $vb1) (i32.const 1)) (local.get $vp1)) (v128.const i32x4 0 0 0 0)) (i32x4.splat (global.get $mvY))))
            (local.set $vp2 (i32x4.min_s (i32x4.max_s (i32x4.sub (i32x4.shl (local.get $vb2) (i32.const 1)) (local.get $vp2)) (v128.const i32x4 0 0 0 0)) (i32x4.splat (global.get $mvZ)))))''' + s[i1:]
# apply: load the decoded and applied rows whole; write the applied rows back whole when anything changed
a0 = s.index('  (func $applyState')
a1 = s.index('  (func (export "setLastSeq")')
ap = s[a0:a1]
def arep(old, new):
    global ap
    assert ap.count(old) == 1, old
    ap = ap.replace(old, new)
arep('(local $pres v128) (local $ch v128)', '(local $pres v128) (local $ch v128) (local $chr v128) '
     + ' '.join(f'(local $a{k} v128)' for k in range(7)))
arep('''      (local.set $v0 (call $g4 (local.get $s)))
      (local.set $v1 (call $g4 (i32.add (local.get $s) (i32.const 4))))
      (local.set $v2 (call $g4 (i32.add (local.get $s) (i32.const 8))))''',
'''      (call $t7 (local.get $s))
      (local.set $v6) (local.set $v5) (local.set $v4) (local.set $lg) (local.set $v2) (local.set $v1) (local.set $v0)
      (call $t7 (local.get $ap))
      (local.set $a6) (local.set $a5) (local.set $a4) (local.set $a3) (local.set $a2) (local.set $a1) (local.set $a0)''')
arep('''        (i32x4.ne (local.get $v0) (call $g4 (local.get $ap)))
        (i32x4.ne (local.get $v1) (call $g4 (i32.add (local.get $ap) (i32.const 4)))))
        (i32x4.ne (local.get $v2) (call $g4 (i32.add (local.get $ap) (i32.const 8)))))))''',
'''        (i32x4.ne (local.get $v0) (local.get $a0))
        (i32x4.ne (local.get $v1) (local.get $a1)))
        (i32x4.ne (local.get $v2) (local.get $a2)))))''')
arep('''        (call $blendR (local.get $ap) (local.get $v0) (local.get $ch))
        (call $blendR (i32.add (local.get $ap) (i32.const 4)) (local.get $v1) (local.get $ch))
        (call $blendR (i32.add (local.get $ap) (i32.const 8)) (local.get $v2) (local.get $ch))''',
'''        (local.set $a0 (v128.bitselect (local.get $v0) (local.get $a0) (local.get $ch)))
        (local.set $a1 (v128.bitselect (local.get $v1) (local.get $a1) (local.get $ch)))
        (local.set $a2 (v128.bitselect (local.get $v2) (local.get $a2) (local.get $ch)))''')
arep('''      (local.set $s (i32.add (local.get $s) (i32.const 12)))
      (local.set $ap (i32.add (local.get $ap) (i32.const 12)))''', '      (local.set $chr (local.get $ch))')
arep('''      (local.set $lg (call $g4 (local.get $s)))
      (local.set $v4 (call $g4 (i32.add (local.get $s) (i32.const 4))))
      (local.set $v5 (call $g4 (i32.add (local.get $s) (i32.const 8))))
      (local.set $v6 (call $g4 (i32.add (local.get $s) (i32.const 12))))''', '')
arep('''        (i32x4.ne (local.get $lg) (call $g4 (local.get $ap)))
        (i32x4.ne (local.get $v4) (call $g4 (i32.add (local.get $ap) (i32.const 4)))))
        (v128.or (i32x4.ne (local.get $v5) (call $g4 (i32.add (local.get $ap) (i32.const 8))))
                 (i32x4.ne (local.get $v6) (call $g4 (i32.add (local.get $ap) (i32.const 12))))))))''',
'''        (i32x4.ne (local.get $lg) (local.get $a3))
        (i32x4.ne (local.get $v4) (local.get $a4)))
        (v128.or (i32x4.ne (local.get $v5) (local.get $a5))
                 (i32x4.ne (local.get $v6) (local.get $a6))))))''')
arep('''        (call $blendR (local.get $ap) (local.get $lg) (local.get $ch))
        (call $blendR (i32.add (local.get $ap) (i32.const 4)) (local.get $v4) (local.get $ch))
        (call $blendR (i32.add (local.get $ap) (i32.const 8)) (local.get $v5) (local.get $ch))
        (call $blendR (i32.add (local.get $ap) (i32.const 12)) (local.get $v6) (local.get $ch))''',
'''        (local.set $a3 (v128.bitselect (local.get $lg) (local.get $a3) (local.get $ch)))
        (local.set $a4 (v128.bitselect (local.get $v4) (local.get $a4) (local.get $ch)))
        (local.set $a5 (v128.bitselect (local.get $v5) (local.get $a5) (local.get $ch)))
        (local.set $a6 (v128.bitselect (local.get $v6) (local.get $a6) (local.get $ch)))''')
# the row write-back, once per group, before the loop's end
arep('''      (br $next))))''', '''      (if (v128.any_true (v128.or (local.get $ch) (local.get $chr)))
        (then (call $u7 (local.get $ap) (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3) (local.get $a4) (local.get $a5) (local.get $a6))))
      (br $next))))''')
s = s[:a0] + ap + s[a1:]
open(sys.argv[2], 'w').write(s)
