// Package vqa is the culture-aware VQA judge's question bank, answer parser
// and scoring. Questions are yes/no with an expected answer, balanced
// between yes and no as in the ECB paper, plus a multiple-choice country
// attribution question. Answers are parsed from free-form model output;
// refusals and unparseable answers are recorded as such and never counted
// as right or wrong.
package vqa
