/**
 * Generates the WebAssembly text of the f64x2 SIMD gemm. Written as a generator rather than by hand
 * because the micro-kernel is a fully unrolled MR×NR tile (one v128 accumulator per pair of columns)
 * and the unrolled body is tedious and error-prone to write out.
 *
 * The algorithm is the BLIS one: C is cut into NC-wide column blocks, k into KC-deep slices, and m into
 * MC-tall row blocks. Each KC×NC block of B is packed into NR-wide slivers (contiguous per k step) that
 * stay in L2, each MC×KC block of A into MR-tall slivers that stream through L1, and the micro-kernel
 * multiplies one A sliver by one B sliver into an MR×NR register tile. Packing reads the operands through
 * their strides, which is how a transposed operand (dA = dC·Bᵀ, dB = Aᵀ·dC) costs nothing extra.
 *
 * Exports: gemm (one product, or one chunk of C on either thread) and packB (all of B packed once, in the
 * blocks gemm reads when given its address as bPacked: the chunks of C cut along m share it).
 */

export interface GemmParams {
  /** Rows of the register tile. */
  mr: number;
  /** Columns of the register tile (even: f64x2 lanes). */
  nr: number;
  mc: number;
  kc: number;
  nc: number;
  /** Unroll of the k loop inside the micro-kernel. */
  unroll: number;
  /**
   * Fused multiply-add (relaxed SIMD's f64x2.relaxed_madd; one rounding instead of two) in the
   * micro-kernel instead of f64x2.mul + f64x2.add.
   */
  fma?: boolean;
}

/** Plain SIMD (mul + add): measured best on the development machine among 2x8 … 6x4 tiles. */
export const defaultParams: GemmParams = { mr: 4, nr: 4, mc: 64, kc: 256, nc: 512, unroll: 1 };
/** Fused multiply-add (relaxed SIMD). */
export const fmaParams: GemmParams = { mr: 6, nr: 4, mc: 96, kc: 256, nc: 512, unroll: 1, fma: true };

/** Bytes of scratch one thread needs: packed A block, packed B block and an edge tile. */
export function workBytes(p: GemmParams): number {
  return 8 * (padTo(p.mc, p.mr) * p.kc + p.kc * padTo(p.nc, p.nr) + p.mr * p.nr);
}

/** Packed blocks hold whole slivers: the edge sliver is zero-padded to the full MR or NR. */
function padTo(x: number, step: number): number {
  return Math.ceil(x / step) * step;
}

export function generateWat(p: GemmParams, shared: boolean): string {
  const { mr: MR, nr: NR, mc: MC, kc: KC, nc: NC, unroll: U } = p;
  if (NR % 2 !== 0) throw new Error('nr must be even');
  // packB's layout (block offsets 8·(jc·k + pc·padTo(nc, NR))) holds only if full blocks are whole slivers.
  if (NC % NR !== 0) throw new Error('nc must be a multiple of nr');
  const V = NR / 2;
  const L: string[] = [];
  const emit = (s: string) => L.push(s);

  /**
   * One whole sliver of width `n` (NR columns of B, MR rows of A) read through strides, k step by k step:
   * element (p, c) at base + p·along + c·across, n scalar loads per step. packB and packA share it.
   */
  const stridedSliver = (base: string, along: string, across: string, n: number): void => {
    emit(`              (block $d2 (loop $l2`);
    emit(`                (br_if $d2 (i32.ge_s (local.get $p) (local.get $kc)))`);
    emit(`                (local.set $src (i32.add (local.get ${base}) (i32.mul (local.get $p) (local.get ${along}))))`);
    for (let c = 0; c < n; c++) {
      emit(`                (f64.store offset=${c * 8} (local.get $dst) (f64.load (local.get $src)))`);
      if (c < n - 1) emit(`                (local.set $src (i32.add (local.get $src) (local.get ${across})))`);
    }
    emit(`                (local.set $dst (i32.add (local.get $dst) (i32.const ${n * 8})))`);
    emit(`                (local.set $p (i32.add (local.get $p) (i32.const 1)))`);
    emit(`                (br $l2)))`);
  };
  /** The edge sliver: only `width` < n of its n lanes exist; the rest are zero-padded. */
  const edgeSliver = (base: string, along: string, across: string, lane: string, width: string, n: number): void => {
    emit(`          (block $d3 (loop $l3`);
    emit(`            (br_if $d3 (i32.ge_s (local.get $p) (local.get $kc)))`);
    emit(`            (local.set $src (i32.add (local.get ${base}) (i32.mul (local.get $p) (local.get ${along}))))`);
    emit(`            (local.set ${lane} (i32.const 0))`);
    emit(`            (block $d4 (loop $l4`);
    emit(`              (br_if $d4 (i32.ge_s (local.get ${lane}) (i32.const ${n})))`);
    emit(`              (f64.store (i32.add (local.get $dst) (i32.shl (local.get ${lane}) (i32.const 3)))`);
    emit(`                (if (result f64) (i32.lt_s (local.get ${lane}) (local.get ${width}))`);
    emit(`                  (then (f64.load (i32.add (local.get $src) (i32.mul (local.get ${lane}) (local.get ${across})))))`);
    emit(`                  (else (f64.const 0))))`);
    emit(`              (local.set ${lane} (i32.add (local.get ${lane}) (i32.const 1)))`);
    emit(`              (br $l4)))`);
    emit(`            (local.set $dst (i32.add (local.get $dst) (i32.const ${n * 8})))`);
    emit(`            (local.set $p (i32.add (local.get $p) (i32.const 1)))`);
    emit(`            (br $l3)))`);
  };
  const minOf = (x: string, y: string) => `(select ${x} ${y} (i32.lt_s ${x} ${y}))`;

  emit(`;; Generated by packages/ops/wasm/gen-gemm.ts (${JSON.stringify(p)}); do not edit.`);
  emit(`(module`);
  emit(`  (import "env" "memory" (memory 1 32768${shared ? ' shared' : ''}))`);

  // Row-major B (and transposed A): the whole slivers GROUP at a time, row by row: each row's GROUP
  // slivers' values (whole cache lines) are read at once and dealt out to the slivers. Sliver by sliver,
  // the k loop read a sliver's few values from each row in turn, rows rs bytes apart, and with rs a
  // multiple of 4096 (n = 512; x [200, 3072] in dW = dyᵀ·x) every row's line maps to one L1 set: lines
  // were evicted before the next sliver read the rest of them. Measured (µs per block, sliver by sliver
  // → GROUP 8): 256×512 of a 512-wide B 53 → 48, 200×384 of a 3072-wide one 37 → 18; a chunk of dW1
  // (100×384·200) 0.64 → 0.59 ms; for transposed A, Xᵀ·dY (3072×200·200×100) 20.7 → 22.0 GFLOP/s on one
  // thread. GROUP 4 to 8 measured alike; 16 and more are slower (2× at 256×512):
  // the GROUP write streams are kc·width·8 bytes apart, which aliases in L1 as well when it is a
  // multiple of 4096. Leaves $s at the first row (column) not packed and $dst after the slivers packed.
  const GROUP = 8;
  /** Emits the grouped pass over the whole slivers of `width` lines across `extent`; rows `stride` apart. */
  const packGrouped = (stride: string, extent: string, width: number) => {
    emit(`        (local.set $w (i32.sub (local.get ${extent}) (i32.rem_u (local.get ${extent}) (i32.const ${width}))))`);
    emit(`        (block $gd (loop $gl`);
    emit(`          (br_if $gd (i32.ge_s (local.get $s) (local.get $w)))`);
    emit(`          (local.set $c ${minOf(`(i32.add (local.get $s) (i32.const ${GROUP * width}))`, '(local.get $w)')})`);
    emit(`          (local.set $p (i32.const 0))`);
    emit(`          (block $rd (loop $rl`);
    emit(`            (br_if $rd (i32.ge_s (local.get $p) (local.get $kc)))`);
    emit(`            (local.set $col (i32.add (local.get $b) (i32.mul (local.get $p) (local.get ${stride}))))`);
    emit(`            (local.set $src (i32.add (local.get $col) (i32.shl (local.get $s) (i32.const 3))))`);
    emit(`            (local.set $end (i32.add (local.get $col) (i32.shl (local.get $c) (i32.const 3))))`);
    emit(`            (local.set $d (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $s) (local.get $kc)) (i32.mul (local.get $p) (i32.const ${width}))) (i32.const 3))))`);
    emit(`            (block $cd (loop $cl`);
    emit(`              (br_if $cd (i32.ge_u (local.get $src) (local.get $end)))`);
    for (let v = 0; v < width / 2; v++) {
      emit(`              (v128.store offset=${v * 16} align=8 (local.get $d) (v128.load offset=${v * 16} align=8 (local.get $src)))`);
    }
    emit(`              (local.set $src (i32.add (local.get $src) (i32.const ${width * 8})))`);
    emit(`              (local.set $d (i32.add (local.get $d) (i32.mul (local.get $kc) (i32.const ${width * 8}))))`);
    emit(`              (br $cl)))`);
    emit(`            (local.set $p (i32.add (local.get $p) (i32.const 1)))`);
    emit(`            (br $rl)))`);
    emit(`          (local.set $s (local.get $c))`);
    emit(`          (br $gl)))`);
    emit(`        (local.set $dst (i32.add (local.get $dst) (i32.mul (local.get $s) (i32.shl (local.get $kc) (i32.const 3)))))`);
  };

  // ---- packB: B block (kc × nc) at byte address b with byte strides rs, cs -> NR-wide slivers at dst.
  emit(`  (func $packB (param $b i32) (param $rs i32) (param $cs i32) (param $kc i32) (param $nc i32) (param $dst i32)`);
  emit(`    (local $s i32) (local $p i32) (local $w i32) (local $src i32) (local $c i32) (local $col i32) (local $end i32) (local $d i32)`);
  emit(`    ${Array.from({ length: NR }, (_, c) => `(local $t${c} v128)`).join(' ')}`);
  emit(`    (if (i32.eq (local.get $cs) (i32.const 8))`);
  emit(`      (then ;; row-major B: the whole slivers here, the edge sliver (if any) below`);
  packGrouped('$rs', '$nc', NR);
  emit(`      )`);
  emit(`    )`);
  emit(`    (block $sdone (loop $sloop`);
  emit(`      (br_if $sdone (i32.ge_s (local.get $s) (local.get $nc)))`);
  emit(`      (local.set $w (i32.sub (local.get $nc) (local.get $s)))`);
  emit(`      (local.set $col (i32.add (local.get $b) (i32.mul (local.get $s) (local.get $cs))))`);
  emit(`      (local.set $p (i32.const 0))`);
  emit(`      (if (i32.ge_s (local.get $w) (i32.const ${NR}))`);
  emit(`        (then`);
  // Transposed B (a weight stored [out, in] read as Wᵀ): each column is contiguous along k, so one
  // v128 load holds two k steps of a column, and lane moves transpose each pair of columns' 2×2 block
  // into two k steps of the sliver (step p from the low lanes, p + 1 from the high ones). Values are
  // only moved: the packing is the scalar loop's, bit for bit. Measured 20% faster than the scalar loop
  // for a 256×100 block of Wᵀ (5.1 against 6.4 µs; i8x16.shuffle the same). The odd last k step is
  // left to the scalar loop below. (The same for row-major A in packA measured no faster, and 8% slower
  // where packing A dominates: 600×3072·3072×4.)
  emit(`              (if (i32.eq (local.get $rs) (i32.const 8))`);
  emit(`                (then`);
  emit(`                  (block $d5 (loop $l5`);
  emit(`                    (br_if $d5 (i32.ge_s (i32.add (local.get $p) (i32.const 1)) (local.get $kc)))`);
  emit(`                    (local.set $src (i32.add (local.get $col) (i32.shl (local.get $p) (i32.const 3))))`);
  for (let c = 0; c < NR; c++) {
    emit(`                    (local.set $t${c} (v128.load align=8 (local.get $src)))`);
    if (c < NR - 1) emit(`                    (local.set $src (i32.add (local.get $src) (local.get $cs)))`);
  }
  for (let v = 0; v < V; v++) {
    const [x, y] = [`(local.get $t${2 * v})`, `(local.get $t${2 * v + 1})`];
    emit(`                    (v128.store offset=${v * 16} align=8 (local.get $dst) (f64x2.replace_lane 1 ${x} (f64x2.extract_lane 0 ${y})))`);
    emit(`                    (v128.store offset=${NR * 8 + v * 16} align=8 (local.get $dst) (f64x2.replace_lane 0 ${y} (f64x2.extract_lane 1 ${x})))`);
  }
  emit(`                    (local.set $dst (i32.add (local.get $dst) (i32.const ${2 * NR * 8})))`);
  emit(`                    (local.set $p (i32.add (local.get $p) (i32.const 2)))`);
  emit(`                    (br $l5)))`);
  emit(`                )`);
  emit(`              )`);
  emit(`              ;; strided B (and the odd last k step of a transposed one): NR loads cs bytes apart`);
  stridedSliver('$col', '$rs', '$cs', NR);
  emit(`        )`);
  emit(`        (else ;; edge sliver: w < NR columns, zero-padded`);
  edgeSliver('$col', '$rs', '$cs', '$c', '$w', NR);
  emit(`        )`);
  emit(`      )`);
  emit(`      (local.set $s (i32.add (local.get $s) (i32.const ${NR})))`);
  emit(`      (br $sloop)))`);
  emit(`  )`);

  // ---- packA: A block (mc × kc) at byte address a with byte strides rs, cs -> MR-tall slivers at dst.
  emit(`  (func $packA (param $a i32) (param $rs i32) (param $cs i32) (param $mc i32) (param $kc i32) (param $dst i32)`);
  emit(`    (local $s i32) (local $p i32) (local $h i32) (local $src i32) (local $r i32) (local $row i32)`);
  emit(`    (local $b i32) (local $w i32) (local $c i32) (local $col i32) (local $end i32) (local $d i32)`);
  if (MR % 2 === 0) {
    emit(`    (if (i32.eq (local.get $rs) (i32.const 8))`);
    emit(`      (then ;; transposed A (Aᵀ stored row-major): the whole slivers here, the edge sliver below`);
    emit(`        (local.set $b (local.get $a))`);
    packGrouped('$cs', '$mc', MR);
    emit(`      )`);
    emit(`    )`);
  }
  emit(`    (block $sdone (loop $sloop`);
  emit(`      (br_if $sdone (i32.ge_s (local.get $s) (local.get $mc)))`);
  emit(`      (local.set $h (i32.sub (local.get $mc) (local.get $s)))`);
  emit(`      (local.set $row (i32.add (local.get $a) (i32.mul (local.get $s) (local.get $rs))))`);
  emit(`      (local.set $p (i32.const 0))`);
  emit(`      (if (i32.ge_s (local.get $h) (i32.const ${MR}))`);
  emit(`        (then`);
  stridedSliver('$row', '$cs', '$rs', MR);
  emit(`        )`);
  emit(`        (else ;; edge sliver: h < MR rows, zero-padded`);
  edgeSliver('$row', '$cs', '$rs', '$r', '$h', MR);
  emit(`        )`);
  emit(`      )`);
  emit(`      (local.set $s (i32.add (local.get $s) (i32.const ${MR})))`);
  emit(`      (br $sloop)))`);
  emit(`  )`);

  // ---- micro-kernel: C[mr × nr] (+)= Ap sliver (kc × MR) · Bp sliver (kc × NR).
  const acc = (r: number, v: number) => `$c${r}_${v}`;
  emit(`  (func $kernel (param $kc i32) (param $ap i32) (param $bp i32) (param $c i32) (param $ldc i32) (param $mr i32) (param $nr i32) (param $beta i32) (param $tmp i32)`);
  const locals: string[] = [];
  for (let r = 0; r < MR; r++) for (let v = 0; v < V; v++) locals.push(`(local ${acc(r, v)} v128)`);
  for (let v = 0; v < V; v++) locals.push(`(local $b${v} v128)`);
  locals.push(`(local $a v128) (local $n i32) (local $row i32) (local $i i32) (local $j i32) (local $t i32)`);
  emit(`    ${locals.join(' ')}`);
  const step = (u: number) => {
    for (let v = 0; v < V; v++) emit(`        (local.set $b${v} (v128.load offset=${(u * NR + 2 * v) * 8} align=8 (local.get $bp)))`);
    for (let r = 0; r < MR; r++) {
      emit(`        (local.set $a (v128.load64_splat offset=${(u * MR + r) * 8} (local.get $ap)))`);
      for (let v = 0; v < V; v++) {
        if (p.fma) emit(`        (local.set ${acc(r, v)} (f64x2.relaxed_madd (local.get $a) (local.get $b${v}) (local.get ${acc(r, v)})))`);
        else emit(`        (local.set ${acc(r, v)} (f64x2.add (local.get ${acc(r, v)}) (f64x2.mul (local.get $a) (local.get $b${v}))))`);
      }
    }
  };
  if (U > 1) {
    emit(`    (local.set $n (i32.div_u (local.get $kc) (i32.const ${U})))`);
    emit(`    (block $ud (loop $ul`);
    emit(`        (br_if $ud (i32.eqz (local.get $n)))`);
    for (let u = 0; u < U; u++) step(u);
    emit(`        (local.set $ap (i32.add (local.get $ap) (i32.const ${U * MR * 8})))`);
    emit(`        (local.set $bp (i32.add (local.get $bp) (i32.const ${U * NR * 8})))`);
    emit(`        (local.set $n (i32.sub (local.get $n) (i32.const 1)))`);
    emit(`        (br $ul)))`);
    emit(`    (local.set $n (i32.rem_u (local.get $kc) (i32.const ${U})))`);
  } else {
    emit(`    (local.set $n (local.get $kc))`);
  }
  // Remaining k steps; the loop ends when bp reaches its end (no separate counter in the hot loop).
  emit(`    (if (i32.gt_s (local.get $n) (i32.const 0))`);
  emit(`      (then`);
  emit(`        (local.set $n (i32.add (local.get $bp) (i32.mul (local.get $n) (i32.const ${NR * 8}))))`);
  emit(`        (loop $kl`);
  step(0);
  emit(`        (local.set $ap (i32.add (local.get $ap) (i32.const ${MR * 8})))`);
  emit(`        (local.set $bp (i32.add (local.get $bp) (i32.const ${NR * 8})))`);
  emit(`        (br_if $kl (i32.ne (local.get $bp) (local.get $n))))))`);
  // Write-back: whole tiles straight into C; edge tiles through a scratch tile.
  emit(`    (if (i32.and (i32.eq (local.get $mr) (i32.const ${MR})) (i32.eq (local.get $nr) (i32.const ${NR})))`);
  emit(`      (then`);
  emit(`        (local.set $row (local.get $c))`);
  emit(`        (if (local.get $beta)`);
  emit(`          (then`);
  for (let r = 0; r < MR; r++) {
    for (let v = 0; v < V; v++) {
      emit(`            (v128.store offset=${v * 16} align=8 (local.get $row) (f64x2.add (v128.load offset=${v * 16} align=8 (local.get $row)) (local.get ${acc(r, v)})))`);
    }
    if (r < MR - 1) emit(`            (local.set $row (i32.add (local.get $row) (local.get $ldc)))`);
  }
  emit(`          )`);
  emit(`          (else`);
  for (let r = 0; r < MR; r++) {
    for (let v = 0; v < V; v++) emit(`            (v128.store offset=${v * 16} align=8 (local.get $row) (local.get ${acc(r, v)}))`);
    if (r < MR - 1) emit(`            (local.set $row (i32.add (local.get $row) (local.get $ldc)))`);
  }
  emit(`          )`);
  emit(`        )`);
  emit(`      )`);
  emit(`      (else`);
  for (let r = 0; r < MR; r++) {
    for (let v = 0; v < V; v++) emit(`        (v128.store offset=${(r * NR + 2 * v) * 8} align=8 (local.get $tmp) (local.get ${acc(r, v)}))`);
  }
  emit(`        (local.set $i (i32.const 0))`);
  emit(`        (block $id (loop $il`);
  emit(`          (br_if $id (i32.ge_s (local.get $i) (local.get $mr)))`);
  emit(`          (local.set $row (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))))`);
  emit(`          (local.set $j (i32.const 0))`);
  emit(`          (block $jd (loop $jl`);
  emit(`            (br_if $jd (i32.ge_s (local.get $j) (local.get $nr)))`);
  emit(`            (local.set $t (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))))`);
  emit(`            (f64.store (local.get $t) (f64.add`);
  emit(`              (f64.load (i32.add (local.get $tmp) (i32.shl (i32.add (i32.mul (local.get $i) (i32.const ${NR})) (local.get $j)) (i32.const 3))))`);
  emit(`              (if (result f64) (local.get $beta) (then (f64.load (local.get $t))) (else (f64.const 0)))))`);
  emit(`            (local.set $j (i32.add (local.get $j) (i32.const 1)))`);
  emit(`            (br $jl)))`);
  emit(`          (local.set $i (i32.add (local.get $i) (i32.const 1)))`);
  emit(`          (br $il)))`);
  emit(`      )`);
  emit(`    )`);
  emit(`  )`);

  // ---- driver. Pointers are byte addresses; strides are in elements (0 and negative allowed).
  // With two threads, every chunk of C cut along m multiplies by all of B: B is then packed once, by
  // the export packB below, into the layout the driver's blocks have (see packedBlock), and each chunk
  // reads its blocks from there instead of packing them again.
  const padNr = (x: string) => `(i32.and (i32.add ${x} (i32.const ${NR - 1})) (i32.const ${-NR}))`;
  /** Byte offset of block (column block jc, k-slice pc) of all of B packed: 8·(jc·k + pc·padTo(nc, NR)). */
  const packedBlock = `(i32.shl (i32.add (i32.mul (local.get $jc) (local.get $k)) (i32.mul (local.get $pc) ${padNr('(local.get $nc)')})) (i32.const 3))`;
  emit(`  ;; All of B (k × n, element (p, j) at b + 8*(p*brs + j*bcs)) packed at dst, block by block as gemm`);
  emit(`  ;; packs it; needs 8*k*padTo(n, ${NR}) bytes. gemm's bpacked argument reads it.`);
  emit(`  (func (export "packB") (param $k i32) (param $n i32) (param $b i32) (param $brs i32) (param $bcs i32) (param $dst i32)`);
  emit(`    (local $jc i32) (local $pc i32) (local $nc i32) (local $kc i32)`);
  emit(`    (local.set $brs (i32.shl (local.get $brs) (i32.const 3)))`);
  emit(`    (local.set $bcs (i32.shl (local.get $bcs) (i32.const 3)))`);
  emit(`    (block $jcd (loop $jcl`);
  emit(`      (br_if $jcd (i32.ge_s (local.get $jc) (local.get $n)))`);
  emit(`      (local.set $nc ${minOf(`(i32.const ${NC})`, `(i32.sub (local.get $n) (local.get $jc))`)})`);
  emit(`      (local.set $pc (i32.const 0))`);
  emit(`      (block $pcd (loop $pcl`);
  emit(`        (br_if $pcd (i32.ge_s (local.get $pc) (local.get $k)))`);
  emit(`        (local.set $kc ${minOf(`(i32.const ${KC})`, `(i32.sub (local.get $k) (local.get $pc))`)})`);
  emit(`        (call $packB (i32.add (local.get $b) (i32.add (i32.mul (local.get $pc) (local.get $brs)) (i32.mul (local.get $jc) (local.get $bcs))))`);
  emit(`          (local.get $brs) (local.get $bcs) (local.get $kc) (local.get $nc) (i32.add (local.get $dst) ${packedBlock}))`);
  emit(`        (local.set $pc (i32.add (local.get $pc) (i32.const ${KC})))`);
  emit(`        (br $pcl)))`);
  emit(`      (local.set $jc (i32.add (local.get $jc) (i32.const ${NC})))`);
  emit(`      (br $jcl)))`);
  emit(`  )`);

  emit(`  ;; C[m × n] (+)= A[m × k] · B[k × n]; element (i, p) of A at a + 8*(i*ars + p*acs); C row-major, ldc elements.`);
  emit(`  ;; bpacked: 0, or where packB has packed this B (then B is not read, and not packed again).`);
  emit(`  (func (export "gemm") (param $m i32) (param $n i32) (param $k i32) (param $a i32) (param $ars i32) (param $acs i32)`);
  emit(`      (param $b i32) (param $brs i32) (param $bcs i32) (param $c i32) (param $ldc i32) (param $accumulate i32) (param $work i32) (param $bpacked i32)`);
  emit(`    (local $ap i32) (local $bp i32) (local $bwork i32) (local $tmp i32) (local $jc i32) (local $pc i32) (local $ic i32) (local $jr i32) (local $ir i32)`);
  emit(`    (local $nc i32) (local $kc i32) (local $mc i32) (local $beta i32) (local $nr i32) (local $mr i32)`);
  emit(`    (local.set $ap (local.get $work))`);
  emit(`    (local.set $bwork (i32.add (local.get $work) (i32.const ${padTo(MC, MR) * KC * 8})))`);
  emit(`    (local.set $tmp (i32.add (local.get $bwork) (i32.const ${KC * padTo(NC, NR) * 8})))`);
  emit(`    (local.set $ars (i32.shl (local.get $ars) (i32.const 3)))`);
  emit(`    (local.set $acs (i32.shl (local.get $acs) (i32.const 3)))`);
  emit(`    (local.set $brs (i32.shl (local.get $brs) (i32.const 3)))`);
  emit(`    (local.set $bcs (i32.shl (local.get $bcs) (i32.const 3)))`);
  emit(`    (local.set $ldc (i32.shl (local.get $ldc) (i32.const 3)))`);
  emit(`    (block $jcd (loop $jcl`);
  emit(`      (br_if $jcd (i32.ge_s (local.get $jc) (local.get $n)))`);
  emit(`      (local.set $nc ${minOf(`(i32.const ${NC})`, `(i32.sub (local.get $n) (local.get $jc))`)})`);
  emit(`      (local.set $pc (i32.const 0))`);
  emit(`      (block $pcd (loop $pcl`);
  emit(`        (br_if $pcd (i32.ge_s (local.get $pc) (local.get $k)))`);
  emit(`        (local.set $kc ${minOf(`(i32.const ${KC})`, `(i32.sub (local.get $k) (local.get $pc))`)})`);
  emit(`        (if (local.get $bpacked)`);
  emit(`          (then (local.set $bp (i32.add (local.get $bpacked) ${packedBlock})))`);
  emit(`          (else`);
  emit(`            (call $packB (i32.add (local.get $b) (i32.add (i32.mul (local.get $pc) (local.get $brs)) (i32.mul (local.get $jc) (local.get $bcs))))`);
  emit(`              (local.get $brs) (local.get $bcs) (local.get $kc) (local.get $nc) (local.get $bwork))`);
  emit(`            (local.set $bp (local.get $bwork))))`);
  emit(`        (local.set $beta (i32.or (local.get $accumulate) (i32.gt_s (local.get $pc) (i32.const 0))))`);
  emit(`        (local.set $ic (i32.const 0))`);
  emit(`        (block $icd (loop $icl`);
  emit(`          (br_if $icd (i32.ge_s (local.get $ic) (local.get $m)))`);
  emit(`          (local.set $mc ${minOf(`(i32.const ${MC})`, `(i32.sub (local.get $m) (local.get $ic))`)})`);
  emit(`          (call $packA (i32.add (local.get $a) (i32.add (i32.mul (local.get $ic) (local.get $ars)) (i32.mul (local.get $pc) (local.get $acs))))`);
  emit(`            (local.get $ars) (local.get $acs) (local.get $mc) (local.get $kc) (local.get $ap))`);
  emit(`          (local.set $jr (i32.const 0))`);
  emit(`          (block $jrd (loop $jrl`);
  emit(`            (br_if $jrd (i32.ge_s (local.get $jr) (local.get $nc)))`);
  emit(`            (local.set $nr ${minOf(`(i32.const ${NR})`, `(i32.sub (local.get $nc) (local.get $jr))`)})`);
  emit(`            (local.set $ir (i32.const 0))`);
  emit(`            (block $ird (loop $irl`);
  emit(`              (br_if $ird (i32.ge_s (local.get $ir) (local.get $mc)))`);
  emit(`              (local.set $mr ${minOf(`(i32.const ${MR})`, `(i32.sub (local.get $mc) (local.get $ir))`)})`);
  emit(`              (call $kernel (local.get $kc)`);
  emit(`                (i32.add (local.get $ap) (i32.shl (i32.mul (local.get $ir) (local.get $kc)) (i32.const 3)))`);
  emit(`                (i32.add (local.get $bp) (i32.shl (i32.mul (local.get $jr) (local.get $kc)) (i32.const 3)))`);
  emit(`                (i32.add (local.get $c) (i32.add (i32.mul (i32.add (local.get $ic) (local.get $ir)) (local.get $ldc))`);
  emit(`                  (i32.shl (i32.add (local.get $jc) (local.get $jr)) (i32.const 3))))`);
  emit(`                (local.get $ldc) (local.get $mr) (local.get $nr) (local.get $beta) (local.get $tmp))`);
  emit(`              (local.set $ir (i32.add (local.get $ir) (i32.const ${MR})))`);
  emit(`              (br $irl)))`);
  emit(`            (local.set $jr (i32.add (local.get $jr) (i32.const ${NR})))`);
  emit(`            (br $jrl)))`);
  emit(`          (local.set $ic (i32.add (local.get $ic) (i32.const ${MC})))`);
  emit(`          (br $icl)))`);
  emit(`        (local.set $pc (i32.add (local.get $pc) (i32.const ${KC})))`);
  emit(`        (br $pcl)))`);
  emit(`      (local.set $jc (i32.add (local.get $jc) (i32.const ${NC})))`);
  emit(`      (br $jcl)))`);
  emit(`  )`);

  // ---- axpy, for an optimizer's update of a weight that lives in this memory. mul then add (never
  // the fused multiply-add): it rounds exactly as JavaScript's y[i] += alpha * x[i] (NaN bits aside).
  emit(`  ;; y[i] += alpha * x[i] for i < n; x and y are byte addresses of arrays that do not overlap (or are one).`);
  emit(`  (func (export "axpy") (param $n i32) (param $alpha f64) (param $x i32) (param $y i32)`);
  emit(`    (local $a v128) (local $end i32) (local $last i32)`);
  emit(`    (local.set $a (f64x2.splat (local.get $alpha)))`);
  emit(`    (local.set $end (i32.add (local.get $y) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 3))))`);
  emit(`    (local.set $last (i32.add (local.get $y) (i32.shl (local.get $n) (i32.const 3))))`);
  emit(`    (block $vd (loop $vl`);
  emit(`      (br_if $vd (i32.ge_u (local.get $y) (local.get $end)))`);
  for (const offset of [0, 16]) {
    emit(`      (v128.store offset=${offset} (local.get $y) (f64x2.add (v128.load offset=${offset} (local.get $y)) (f64x2.mul (local.get $a) (v128.load offset=${offset} (local.get $x)))))`);
  }
  emit(`      (local.set $x (i32.add (local.get $x) (i32.const 32)))`);
  emit(`      (local.set $y (i32.add (local.get $y) (i32.const 32)))`);
  emit(`      (br $vl)))`);
  emit(`    (block $sd (loop $sl`);
  emit(`      (br_if $sd (i32.ge_u (local.get $y) (local.get $last)))`);
  emit(`      (f64.store (local.get $y) (f64.add (f64.load (local.get $y)) (f64.mul (local.get $alpha) (f64.load (local.get $x)))))`);
  emit(`      (local.set $x (i32.add (local.get $x) (i32.const 8)))`);
  emit(`      (local.set $y (i32.add (local.get $y) (i32.const 8)))`);
  emit(`      (br $sl)))`);
  emit(`  )`);

  // ---- Adam's update, in PyTorch's arithmetic and JavaScript's order of operations (mul, add, sqrt and
  // div round the same in both, so the result is the JavaScript loop's, NaN bits aside):
  //   g' = g + wd·w;  m = b1·m + c1·g';  v = b2·v + (c2·g')·g';  w = w - (step·m) / (sqrt(v) / sc2 + eps)
  const adamParams = ['wd', 'b1', 'c1', 'b2', 'c2', 'step', 'sc2', 'eps'];
  emit(`  ;; Adam's update of n values: w, g, m, v are byte addresses of arrays that do not overlap.`);
  emit(`  (func (export "adam") (param $n i32) (param $w i32) (param $g i32) (param $m i32) (param $v i32)`);
  emit(`      ${adamParams.map((p) => `(param $${p} f64)`).join(' ')}`);
  emit(`    ${adamParams.map((p) => `(local $${p}2 v128)`).join(' ')} (local $gi v128) (local $mi v128) (local $vi v128) (local $end i32) (local $last i32)`);
  emit(`    (local $sg f64) (local $sm f64) (local $sv f64)`);
  for (const p of adamParams) emit(`    (local.set $${p}2 (f64x2.splat (local.get $${p})))`);
  emit(`    (local.set $end (i32.add (local.get $w) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))`);
  emit(`    (local.set $last (i32.add (local.get $w) (i32.shl (local.get $n) (i32.const 3))))`);
  const vec = {
    g: `(f64x2.add (v128.load (local.get $g)) (f64x2.mul (local.get $wd2) (v128.load (local.get $w))))`,
    m: `(f64x2.add (f64x2.mul (local.get $b12) (v128.load (local.get $m))) (f64x2.mul (local.get $c12) (local.get $gi)))`,
    v: `(f64x2.add (f64x2.mul (local.get $b22) (v128.load (local.get $v))) (f64x2.mul (f64x2.mul (local.get $c22) (local.get $gi)) (local.get $gi)))`,
    w: `(f64x2.sub (v128.load (local.get $w)) (f64x2.div (f64x2.mul (local.get $step2) (local.get $mi)) (f64x2.add (f64x2.div (f64x2.sqrt (local.get $vi)) (local.get $sc22)) (local.get $eps2))))`,
  };
  const scalar = {
    g: `(f64.add (f64.load (local.get $g)) (f64.mul (local.get $wd) (f64.load (local.get $w))))`,
    m: `(f64.add (f64.mul (local.get $b1) (f64.load (local.get $m))) (f64.mul (local.get $c1) (local.get $sg)))`,
    v: `(f64.add (f64.mul (local.get $b2) (f64.load (local.get $v))) (f64.mul (f64.mul (local.get $c2) (local.get $sg)) (local.get $sg)))`,
    w: `(f64.sub (f64.load (local.get $w)) (f64.div (f64.mul (local.get $step) (local.get $sm)) (f64.add (f64.div (f64.sqrt (local.get $sv)) (local.get $sc2)) (local.get $eps))))`,
  };
  const advance = (bytes: number): void => {
    for (const p of ['w', 'g', 'm', 'v']) emit(`      (local.set $${p} (i32.add (local.get $${p}) (i32.const ${bytes})))`);
  };
  emit(`    (block $vd (loop $vl`);
  emit(`      (br_if $vd (i32.ge_u (local.get $w) (local.get $end)))`);
  emit(`      (local.set $gi ${vec.g})`);
  emit(`      (local.set $mi ${vec.m})`);
  emit(`      (local.set $vi ${vec.v})`);
  emit(`      (v128.store (local.get $m) (local.get $mi))`);
  emit(`      (v128.store (local.get $v) (local.get $vi))`);
  emit(`      (v128.store (local.get $w) ${vec.w})`);
  advance(16);
  emit(`      (br $vl)))`);
  emit(`    (if (i32.lt_u (local.get $w) (local.get $last)) (then`);
  emit(`      (local.set $sg ${scalar.g})`);
  emit(`      (local.set $sm ${scalar.m})`);
  emit(`      (local.set $sv ${scalar.v})`);
  emit(`      (f64.store (local.get $m) (local.get $sm))`);
  emit(`      (f64.store (local.get $v) (local.get $sv))`);
  emit(`      (f64.store (local.get $w) ${scalar.w})))`);
  emit(`  )`);

  // ---- SGD's updates other than the plain one (axpy), in the order of operations of SGD's JavaScript
  // loops (packages/nn/src/optim/sgd.ts), so the same rounding. $variant:
  //   0: w = w - lr·(g + wd·w)                                   (weight decay, no momentum)
  //   1: b = mu·b + g;  w = w - lr·b                              (momentum)
  //   2: g' = g + wd·w;  b = mu·b + g';  w = w - lr·b             (momentum and weight decay)
  //   3: g' = g + wd·w;  b = mu·b + g';  w = w - lr·(g' + mu·b)   (Nesterov)
  emit(`  ;; One of SGD's updates of n values ($variant 0-3, see gen-gemm.ts): w, g, b byte addresses of arrays apart.`);
  emit(`  (func (export "sgd") (param $variant i32) (param $n i32) (param $w i32) (param $g i32) (param $b i32) (param $lr f64) (param $mu f64) (param $wd f64)`);
  emit(`    (local $lr2 v128) (local $mu2 v128) (local $wd2 v128) (local $gi v128) (local $bi v128) (local $sg f64) (local $sb f64) (local $end i32) (local $last i32)`);
  for (const p of ['lr', 'mu', 'wd']) emit(`    (local.set $${p}2 (f64x2.splat (local.get $${p})))`);
  emit(`    (local.set $end (i32.add (local.get $w) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))`);
  emit(`    (local.set $last (i32.add (local.get $w) (i32.shl (local.get $n) (i32.const 3))))`);
  // Per variant: [vector body, scalar body], each a list of statements over one element (pair).
  const vecOp = (op: string) => `f64x2.${op}`;
  const scalarOp = (op: string) => `f64.${op}`;
  const load = (t: string, p: string) => (t === 'v' ? `(v128.load (local.get $${p}))` : `(f64.load (local.get $${p}))`);
  const store = (t: string, p: string, x: string) => (t === 'v' ? `(v128.store (local.get $${p}) ${x})` : `(f64.store (local.get $${p}) ${x})`);
  const body = (variant: number, t: 'v' | 's'): string[] => {
    const o = t === 'v' ? vecOp : scalarOp;
    const k = (p: string) => (t === 'v' ? `(local.get $${p}2)` : `(local.get $${p})`);
    const gi = t === 'v' ? '$gi' : '$sg';
    const bi = t === 'v' ? '$bi' : '$sb';
    const decayed = `(${o('add')} ${load(t, 'g')} (${o('mul')} ${k('wd')} ${load(t, 'w')}))`;
    if (variant === 0) return [store(t, 'w', `(${o('sub')} ${load(t, 'w')} (${o('mul')} ${k('lr')} ${decayed}))`)];
    const out: string[] = [];
    out.push(`(local.set ${gi} ${variant === 1 ? load(t, 'g') : decayed})`);
    out.push(`(local.set ${bi} (${o('add')} (${o('mul')} ${k('mu')} ${load(t, 'b')}) (local.get ${gi})))`);
    out.push(store(t, 'b', `(local.get ${bi})`));
    const step = variant === 3 ? `(${o('add')} (local.get ${gi}) (${o('mul')} ${k('mu')} (local.get ${bi})))` : `(local.get ${bi})`;
    out.push(store(t, 'w', `(${o('sub')} ${load(t, 'w')} (${o('mul')} ${k('lr')} ${step}))`));
    return out;
  };
  for (let variant = 0; variant < 4; variant++) {
    emit(`    (if (i32.eq (local.get $variant) (i32.const ${variant})) (then`);
    emit(`      (block $vd (loop $vl`);
    emit(`        (br_if $vd (i32.ge_u (local.get $w) (local.get $end)))`);
    for (const line of body(variant, 'v')) emit(`        ${line}`);
    for (const p of ['w', 'g', 'b']) emit(`        (local.set $${p} (i32.add (local.get $${p}) (i32.const 16)))`);
    emit(`        (br $vl)))`);
    emit(`      (if (i32.lt_u (local.get $w) (local.get $last)) (then`);
    for (const line of body(variant, 's')) emit(`        ${line}`);
    emit(`      ))))`);
  }
  emit(`  )`);
  emit(`)`);
  return L.join('\n') + '\n';
}
