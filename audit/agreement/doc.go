// Package agreement measures how far human ratings can be trusted and how
// well the automatic metrics follow them: Krippendorff's alpha (nominal,
// ordinal, interval; missing data allowed), Fleiss' kappa, Cohen's kappa,
// Spearman's rho and Kendall's tau-b, each with a seeded bootstrap
// interval over the rated units.
package agreement
