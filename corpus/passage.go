package corpus

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Passage is one retrievable piece of reference text and where it came
// from.
type Passage struct {
	ID          string `json:"id"`
	Country     string `json:"country"`
	Category    string `json:"category,omitempty"`
	URL         string `json:"url"`
	Title       string `json:"title,omitempty"`
	Section     string `json:"section,omitempty"`
	FetchedAt   string `json:"fetched_at,omitempty"`
	ContentHash string `json:"content_hash"`
	Text        string `json:"text"`
	Tokens      int    `json:"tokens"`
}

// Section is a heading and the text under it.
type Section struct {
	Heading string
	Text    string
}

// Split cuts sections into passages of about size tokens (whitespace
// words) with overlap tokens shared by neighbours; a passage never spans
// two sections.
func Split(sections []Section, size, overlap int) []Section {
	if size <= 0 {
		size = 800
	}
	if overlap < 0 || overlap >= size {
		overlap = 0
	}
	var out []Section
	for _, s := range sections {
		words := strings.Fields(s.Text)
		if len(words) == 0 {
			continue
		}
		for start := 0; ; start += size - overlap {
			end := min(start+size, len(words))
			out = append(out, Section{Heading: s.Heading, Text: strings.Join(words[start:end], " ")})
			if end == len(words) {
				break
			}
		}
	}
	return out
}

// NewPassage fills a passage's ID, hash and token count.
func NewPassage(country, category, url, title string, s Section, fetchedAt string) Passage {
	sum := sha256.Sum256([]byte(s.Text))
	h := hex.EncodeToString(sum[:])
	idSum := sha256.Sum256([]byte(url + "\x00" + s.Heading + "\x00" + h))
	return Passage{
		ID: "psg-" + hex.EncodeToString(idSum[:8]), Country: country, Category: category, URL: url, Title: title,
		Section: s.Heading, FetchedAt: fetchedAt, ContentHash: h, Text: s.Text, Tokens: len(strings.Fields(s.Text)),
	}
}

// MaxPassageBytes caps one line of a corpus file.
const MaxPassageBytes = 1 << 20

// Read loads a corpus file (one JSON passage a line); errors name
// file:line.
func Read(r io.Reader, name string) ([]Passage, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxPassageBytes)
	var out []Passage
	for line := 1; sc.Scan(); line++ {
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		var p Passage
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, fmt.Errorf("%s:%d: not a passage: %v", name, line, err)
		}
		if p.Text == "" || p.Country == "" {
			return nil, fmt.Errorf("%s:%d: a passage needs text and a country", name, line)
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// Write writes passages one JSON object a line.
func Write(w io.Writer, ps []Passage) error {
	enc := json.NewEncoder(w)
	for _, p := range ps {
		if err := enc.Encode(p); err != nil {
			return err
		}
	}
	return nil
}
