package diversity

import "github.com/sourcegraph/conc/iter"

// Cache blocking of the Gram product: panels of gramBlock vectors, dot
// products taken over gramDepth values at a time, so that two panels'
// slices (2 x 64 x 512 x 8 bytes = 512 KiB) stay in a core's L2 cache.
const (
	gramBlock = 64
	gramDepth = 512
)

// tile is a pair of panels of the Gram product, by panel index.
type tile struct{ ib, jb int }

// gram returns the lower triangle (and diagonal) of A Aᵀ, row-major m x m,
// for the m vectors of length l stored one after another in a. Only one
// triangle is computed; the eigen-decomposition reads no other. Output
// tiles are shared out to every core; each tile is summed in the same
// order whatever the number of cores, so the result is deterministic.
func gram(a []float64, m, l int) []float64 {
	c := make([]float64, m*m)
	blocks := (m + gramBlock - 1) / gramBlock
	var tiles []tile
	for ib := 0; ib < blocks; ib++ {
		for jb := 0; jb <= ib; jb++ {
			tiles = append(tiles, tile{ib, jb})
		}
	}
	iter.ForEachIdx(tiles, func(_ int, t *tile) {
		gramTile(a, c, m, l, t.ib*gramBlock, t.jb*gramBlock)
	})
	return c
}

// gramTile adds the dot products of vectors [i0, i0+gramBlock) with
// vectors [j0, j0+gramBlock), j <= i, into c.
func gramTile(a, c []float64, m, l, i0, j0 int) {
	i1, j1 := min(i0+gramBlock, m), min(j0+gramBlock, m)
	for k0 := 0; k0 < l; k0 += gramDepth {
		k1 := min(k0+gramDepth, l)
		for i := i0; i < i1; i += 4 {
			if i+4 > i1 {
				for ii := i; ii < i1; ii++ {
					for j := j0; j < min(j1, ii+1); j++ {
						c[ii*m+j] += dot(a[ii*l+k0:ii*l+k1], a[j*l+k0:j*l+k1])
					}
				}
				continue
			}
			jEnd := min(j1, i+4)
			j := j0
			for ; j+2 <= jEnd; j += 2 {
				dot4x2(a, c[i*m+j:], m, l, i, j, k0, k1)
			}
			for ; j < jEnd; j++ {
				for ii := i; ii < i+4; ii++ {
					c[ii*m+j] += dot(a[ii*l+k0:ii*l+k1], a[j*l+k0:j*l+k1])
				}
			}
		}
	}
	// The 4x2 kernel also fills a few cells above the diagonal of a
	// diagonal tile; they are never read.
}

// dot4x2 adds the dot products of vectors i..i+3 with j, j+1 over
// [k0, k1) into c[0], c[1], c[ldc], c[ldc+1], ...: 8 sums held in
// registers, 6 loads per 8 products.
func dot4x2(a, c []float64, ldc, l, i, j, k0, k1 int) {
	n := k1 - k0
	a0 := a[i*l+k0 : i*l+k0+n]
	a1 := a[(i+1)*l+k0 : (i+1)*l+k0+n]
	a2 := a[(i+2)*l+k0 : (i+2)*l+k0+n]
	a3 := a[(i+3)*l+k0 : (i+3)*l+k0+n]
	b0 := a[j*l+k0 : j*l+k0+n]
	b1 := a[(j+1)*l+k0 : (j+1)*l+k0+n]
	// Cut to a0's length, so the loop needs no bounds checks.
	a1, a2, a3, b0, b1 = a1[:len(a0)], a2[:len(a0)], a3[:len(a0)], b0[:len(a0)], b1[:len(a0)]
	var s00, s01, s10, s11, s20, s21, s30, s31 float64
	for k := range a0 {
		x0, x1, x2, x3 := a0[k], a1[k], a2[k], a3[k]
		y0, y1 := b0[k], b1[k]
		s00 += x0 * y0
		s01 += x0 * y1
		s10 += x1 * y0
		s11 += x1 * y1
		s20 += x2 * y0
		s21 += x2 * y1
		s30 += x3 * y0
		s31 += x3 * y1
	}
	c[0] += s00
	c[1] += s01
	c[ldc] += s10
	c[ldc+1] += s11
	c[2*ldc] += s20
	c[2*ldc+1] += s21
	c[3*ldc] += s30
	c[3*ldc+1] += s31
}

// GramBlock sets out, row-major (i1-i0) x (j1-j0), to the dot products of
// vectors [i0, i1) with vectors [j0, j1) of a (m vectors of length l, one
// after another): a band of the Gram matrix, for callers that cannot hold
// all of it. Each product is summed in the same order as in Gram.
func GramBlock(a []float64, l, i0, i1, j0, j1 int, out []float64) {
	w := j1 - j0
	clear(out[:(i1-i0)*w])
	for k0 := 0; k0 < l; k0 += gramDepth {
		k1 := min(k0+gramDepth, l)
		i := i0
		for ; i+4 <= i1; i += 4 {
			j := j0
			for ; j+2 <= j1; j += 2 {
				dot4x2(a, out[(i-i0)*w+(j-j0):], w, l, i, j, k0, k1)
			}
			for ; j < j1; j++ {
				for ii := i; ii < i+4; ii++ {
					out[(ii-i0)*w+(j-j0)] += dot(a[ii*l+k0:ii*l+k1], a[j*l+k0:j*l+k1])
				}
			}
		}
		for ; i < i1; i++ {
			for j := j0; j < j1; j++ {
				out[(i-i0)*w+(j-j0)] += dot(a[i*l+k0:i*l+k1], a[j*l+k0:j*l+k1])
			}
		}
	}
}

func dot(x, y []float64) float64 {
	y = y[:len(x)]
	var s float64
	for k := range x {
		s += x[k] * y[k]
	}
	return s
}
