// Package diversity computes the Vendi score (Friedman & Dieng, 2022) and
// the quality-weighted Vendi score (Nguyen & Dieng, 2024).
//
// For n items with a positive semi-definite similarity matrix K, k(x,x) = 1,
// let λ_i be the eigenvalues of K/n; eigenvalues below 1e-12 are numerical
// zeros and are dropped (0 log 0 = 0). The Vendi score of order q is
//
//	VS_q = exp(log(Σ λ_i^q) / (1-q))   for q ∉ {0, 1, ∞}
//	VS_1 = exp(-Σ λ_i log λ_i)          (the Shannon limit q → 1)
//	VS_∞ = 1 / max λ_i
//	VS_0 = the number of positive λ_i
//
// the effective number of distinct items. With L2-normalised embeddings X
// (n x d) and the cosine kernel K = X Xᵀ, the non-zero eigenvalues of K/n are
// those of Xᵀ X / n (d x d), which is used when d < n. The quality-weighted
// score is qVS_q = mean(quality) x VS_q.
//
// Unlike the reference code, the embedding path honours q, and the greedy
// selection reports the score of the set it selected.
package diversity
