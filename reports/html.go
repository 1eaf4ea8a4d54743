package reports

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"fmt"
	"html/template"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"time"

	"github.com/disintegration/imaging"

	"github.com/blindspot-audit/blindspot/audit"
	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/prompts"
)

//go:embed templates/index.html
var templates embed.FS

var indexTmpl = template.Must(template.New("index.html").Funcs(template.FuncMap{
	"pct": func(v float64) float64 { return 100 * v },
}).ParseFS(templates, "templates/index.html"))

// Frame is one image in the report.
type Frame struct {
	Thumb, Full, Prompt, Model, Score string
	Seed                              int64
	Step                              int
}

// Strip is an edit chain shown step by step.
type Strip struct {
	Title  string
	Frames []Frame
}

type headline struct {
	Set string
	P   Pivot
}

type page struct {
	S           *audit.Summary
	Version     string
	Generated   string
	Headlines   []headline
	Attribution Pivot
	Drift       []DriftRow
	Refusals    []store.Metric
	Gallery     []Frame
	Strips      []Strip
}

// Gallery sizes.
const (
	perCountry = 8
	maxStrips  = 12
	thumbEdge  = 160
)

// WriteHTML writes run_dir/report/index.html with its thumbnails. The report
// is built in a temporary folder and renamed into place, so an interrupted
// build never leaves a half-written report.
func WriteHTML(ctx context.Context, run *store.Run, blobs *store.Blobs, s *audit.Summary, version string) (string, error) {
	final := filepath.Join(run.Dir, "report")
	tmp, err := os.MkdirTemp(run.Dir, ".report-*")
	if err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := os.MkdirAll(filepath.Join(tmp, "img"), 0o755); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	p := page{S: s, Version: version, Generated: time.Now().UTC().Format("2006-01-02 15:04 MST"),
		Attribution: AttributionPivot(s.Metrics, prompts.SetAgnostic), Drift: Drift(s.Metrics), Refusals: Refusals(s.Metrics)}
	for _, set := range []string{prompts.SetCountry, prompts.SetAgnostic} {
		if hp := HeadlinePivot(s.Metrics, set); len(hp.Rows) > 0 {
			p.Headlines = append(p.Headlines, headline{Set: set, P: hp})
		}
	}
	w := &thumbWriter{dir: tmp, prev: final, blobs: blobs, done: map[string]bool{}}
	if p.Gallery, err = gallery(ctx, run.DB(), w); err != nil {
		return "", err
	}
	if p.Strips, err = strips(ctx, run.DB(), w); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := indexTmpl.Execute(&buf, p); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "index.html"), buf.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	old := final + ".old"
	os.RemoveAll(old)
	if _, err := os.Stat(final); err == nil {
		if err := os.Rename(final, old); err != nil {
			return "", fmt.Errorf("report: %w", err)
		}
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	os.RemoveAll(old)
	return filepath.Join(final, "index.html"), nil
}

type thumbWriter struct {
	dir   string
	prev  string // the previous report, whose images are reused
	blobs *store.Blobs
	done  map[string]bool
}

// write stores a thumbnail and the full image under img/ and returns
// their relative paths.
func (t *thumbWriter) write(sha string) (thumb, full string, err error) {
	thumb, full = "img/"+sha[:16]+"-t.png", "img/"+sha[:16]+".png"
	if t.done[sha] {
		return thumb, full, nil
	}
	// Images are named by content, so the previous report's copies are
	// still right: link them instead of decoding and resizing again.
	if t.reuse(thumb) && t.reuse(full) {
		t.done[sha] = true
		return thumb, full, nil
	}
	data, err := t.blobs.Get(sha)
	if err != nil {
		return "", "", err
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return "", "", fmt.Errorf("report: image %s: %w", sha, err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, imaging.Resize(img, thumbEdge, 0, imaging.Lanczos)); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(filepath.Join(t.dir, thumb), buf.Bytes(), 0o644); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(filepath.Join(t.dir, full), data, 0o644); err != nil {
		return "", "", err
	}
	t.done[sha] = true
	return thumb, full, nil
}

const frameCols = `i.image_sha, i.prompt, i.model, i.seed, i.step, COALESCE((SELECT printf('%.2f', accuracy) FROM scores s WHERE s.image_id = i.id AND accuracy IS NOT NULL LIMIT 1), '')`

func scanFrame(rows *sql.Rows, w *thumbWriter) (Frame, error) {
	var f Frame
	var sha string
	if err := rows.Scan(&sha, &f.Prompt, &f.Model, &f.Seed, &f.Step, &f.Score); err != nil {
		return f, err
	}
	var err error
	f.Thumb, f.Full, err = w.write(sha)
	return f, err
}

func gallery(ctx context.Context, db *sql.DB, w *thumbWriter) ([]Frame, error) {
	rows, err := db.QueryContext(ctx, `SELECT `+frameCols+` FROM (
		SELECT *, ROW_NUMBER() OVER (PARTITION BY prompt_set, country ORDER BY category, subcategory, variant, model, seed) AS rn
		FROM images WHERE kind = 't2i' AND status = 'ok') i
		WHERE rn <= ? ORDER BY prompt_set, country, rn`, perCountry)
	if err != nil {
		return nil, fmt.Errorf("report gallery: %w", err)
	}
	defer rows.Close()
	var out []Frame
	for rows.Next() {
		f, err := scanFrame(rows, w)
		if err != nil {
			return nil, fmt.Errorf("report gallery: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func strips(ctx context.Context, db *sql.DB, w *thumbWriter) ([]Strip, error) {
	// One chain per editor, chain and target: the first in a stable order.
	rows, err := db.QueryContext(ctx, `SELECT parent_id, model, chain, target FROM (
		SELECT parent_id, model, chain, target, ROW_NUMBER() OVER (PARTITION BY model, chain, target ORDER BY prompt_id, seed, id) AS rn
		FROM images WHERE kind = 'edit' AND step = 1 AND status = 'ok') WHERE rn = 1 ORDER BY model, chain, target LIMIT ?`, maxStrips)
	if err != nil {
		return nil, fmt.Errorf("report strips: %w", err)
	}
	type start struct{ base, model, chain, target string }
	var starts []start
	for rows.Next() {
		var s start
		if err := rows.Scan(&s.base, &s.model, &s.chain, &s.target); err != nil {
			rows.Close()
			return nil, err
		}
		starts = append(starts, s)
	}
	rows.Close()
	var out []Strip
	for _, s := range starts {
		st := Strip{Title: fmt.Sprintf("%s, chain %s toward %s", s.model, s.chain, s.target)}
		id := s.base
		for step := 0; id != ""; step++ {
			r, err := db.QueryContext(ctx, `SELECT `+frameCols+` FROM images i WHERE i.id = ? AND i.status = 'ok'`, id)
			if err != nil {
				return nil, err
			}
			found := false
			if r.Next() {
				f, err := scanFrame(r, w)
				if err != nil {
					r.Close()
					return nil, err
				}
				f.Step = step
				st.Frames = append(st.Frames, f)
				found = true
			}
			r.Close()
			if !found {
				break
			}
			parent := id
			id = ""
			if err := db.QueryRowContext(ctx, `SELECT id FROM images WHERE parent_id = ? AND chain = ? AND model = ? AND target = ? AND status = 'ok' ORDER BY id LIMIT 1`,
				parent, s.chain, s.model, s.target).Scan(&id); err != nil && err != sql.ErrNoRows {
				return nil, err
			}
		}
		out = append(out, st)
	}
	return out, nil
}

func (t *thumbWriter) reuse(rel string) bool {
	dst := filepath.Join(t.dir, rel)
	if _, err := os.Stat(dst); err == nil {
		return true
	}
	return os.Link(filepath.Join(t.prev, rel), dst) == nil
}
