// Package drift measures how an image changes along an iterative edit
// chain, against the chain's first image (step 0) and against the previous
// step, with conventional image metrics that can be set beside the judge's
// cultural fidelity:
//
//   - SSIM: structural similarity of the luminance (8x8 windows, stride 4,
//     on a 128x128 version of each image), 1 for identical structure;
//   - perceptual-hash distance: the Hamming distance of 64-bit pHashes
//     (github.com/corona10/goimagehash), divided by 64;
//   - colour distance: total-variation distance between HSV histograms
//     (12 hues x 3 saturations x 3 values), 0 for the same palette, 1 for
//     disjoint ones;
//   - edge distance: 1 - Pearson correlation of Sobel edge magnitudes, 0
//     for the same edges.
//
// A step's change splits into a palette shift (colour distance) and a
// structural change (edge distance); identity retention toward the source
// is SSIM against step 0.
package drift
