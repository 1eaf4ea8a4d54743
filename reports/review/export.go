package review

import (
	"context"
	"encoding/csv"
	"fmt"
	"github.com/blindspot-audit/blindspot/audit/outdir"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/blindspot-audit/blindspot/audit/spec"
	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/prompts"
	"github.com/blindspot-audit/blindspot/reports/csvsafe"
	"github.com/blindspot-audit/blindspot/reports/thumbs"
)

// ExportResult lists what Export wrote.
type ExportResult struct {
	Files []string
	Items int
	Rows  int // over all files
}

// RunID returns the run's identity (store.Run.ID): it ties every exported
// sheet to this run.
func RunID(ctx context.Context, run *store.Run) (string, error) { return run.ID(ctx) }

// Export samples the items, records them in the run store and writes one
// file per sheet into dir: NAME.xlsx, or with format "csv" NAME.csv and
// the pictures under NAME-images/.
func Export(ctx context.Context, run *store.Run, blobs *store.Blobs, cfg spec.Review, dir, format string) (*ExportResult, error) {
	if format != "xlsx" && format != "csv" {
		return nil, fmt.Errorf("sheet format %q: want xlsx or csv", format)
	}
	runID, err := RunID(ctx, run)
	if err != nil {
		return nil, fmt.Errorf("run id: %w", err)
	}
	groups, err := Select(ctx, run.DB(), cfg)
	if err != nil {
		return nil, err
	}
	if len(groups) == 0 {
		return nil, fmt.Errorf("nothing to review: the run has no successful country-specific images")
	}
	now := time.Now().UTC().Format(time.RFC3339)
	exportID := prompts.ContentID(runID, now)
	var items []store.ReviewItem
	for _, g := range groups {
		for _, it := range g.Items {
			items = append(items, store.ReviewItem{ItemID: it.ID, Country: g.Country, GroupID: g.ID, Kind: g.Kind, ImageID: it.ImageID, Step: it.Step, Alignment: it.Alignment, ExportID: exportID})
		}
	}
	if err := run.PutReviewItems(items); err != nil {
		return nil, fmt.Errorf("recording the items: %w", err)
	}
	proto := ProtocolOf(cfg)
	if err := run.SetReviewProtocol(proto.encode()); err != nil {
		return nil, fmt.Errorf("recording the review protocol: %w", err)
	}
	px := cfg.ImagePx
	if px == 0 {
		px = spec.DefaultReviewImagePx
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	res := &ExportResult{Items: len(items)}
	// Pictures are made for one sheet at a time, kept for the next sheet
	// (another reviewer of the same country) only where it shows them too:
	// a run's every picture at once would not fit a large audit.
	thumbs := map[string][]byte{}
	translations, err := run.DB().Translations(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range Plan(groups, cfg) {
		s.Translations = translationsFor(translations, s.Country)
		if err := thumbsFor(ctx, blobs, s, px, thumbs); err != nil {
			return nil, err
		}
		path := filepath.Join(dir, s.Name+"."+format)
		tmp := filepath.Join(dir, "."+s.Name+".tmp."+format)
		var err error
		if format == "xlsx" {
			var full map[string]string
			if full, err = writeFull(ctx, blobs, filepath.Join(dir, s.Name+"-full"), s); err == nil {
				err = writeXLSX(tmp, s, proto, runID, now, thumbs, full, px)
			}
		} else {
			err = writeCSV(tmp, filepath.Join(dir, s.Name+"-images"), s, proto, runID, thumbs)
		}
		if err := publish(tmp, path, err); err != nil {
			return nil, err
		}
		res.Files = append(res.Files, path)
		if format == "csv" {
			// A CSV sheet holds one table: each language's translations go
			// in a file of their own beside it.
			for _, lang := range slices.Sorted(maps.Keys(s.Translations)) {
				tpath := filepath.Join(dir, s.Name+"-translations-"+lang+".csv")
				ttmp := filepath.Join(dir, "."+s.Name+"-translations-"+lang+".tmp.csv")
				if err := publish(ttmp, tpath, writeTranslationsCSV(ttmp, s.Translations[lang], s.Reviewer, runID)); err != nil {
					return nil, err
				}
				res.Files = append(res.Files, tpath)
			}
		}
		for _, g := range s.Groups {
			res.Rows += len(g.Items)
		}
	}
	return res, nil
}

// writeFull writes every image of a sheet at full size into dir (named by
// the start of its hash), for the links in the sheet: a reviewer opens the
// full image to judge fine cultural detail.
// It returns each image's path relative to the sheet.
func writeFull(ctx context.Context, blobs *store.Blobs, dir string, s Sheet) (map[string]string, error) {
	if err := os.MkdirAll(dir, outdir.DirPerm()); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, g := range s.Groups {
		for _, it := range g.Items {
			if _, done := out[it.SHA]; done {
				continue
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			data, err := blobs.Get(it.SHA)
			if err != nil {
				return nil, err
			}
			ext := ".png"
			if http.DetectContentType(data) == "image/jpeg" {
				ext = ".jpg"
			}
			name := it.SHA[:16] + ext
			if err := os.WriteFile(filepath.Join(dir, name), data, outdir.FilePerm()); err != nil {
				return nil, err
			}
			out[it.SHA] = filepath.Base(dir) + "/" + name
		}
	}
	return out, nil
}

// thumbsFor makes the pictures of sheet s in have, leaving there only
// those the sheet shows.
func thumbsFor(ctx context.Context, blobs *store.Blobs, s Sheet, width int, have map[string][]byte) error {
	shas := map[string]bool{}
	for _, g := range s.Groups {
		for _, it := range g.Items {
			shas[it.SHA] = true
		}
	}
	for sha := range have {
		if !shas[sha] {
			delete(have, sha)
		}
	}
	var todo []string
	for sha := range shas {
		if _, ok := have[sha]; !ok {
			todo = append(todo, sha)
		}
	}
	made, err := makeThumbs(ctx, blobs, todo, width)
	if err != nil {
		return err
	}
	maps.Copy(have, made)
	return nil
}

func makeThumbs(ctx context.Context, blobs *store.Blobs, shas []string, width int) (map[string][]byte, error) {
	var mu sync.Mutex
	out := make(map[string][]byte, len(shas))
	err := thumbs.Each(ctx, shas, func(_ context.Context, sha string) error {
		data, err := blobs.Get(sha)
		if err != nil {
			return err
		}
		small, err := thumbs.JPEG(data, width)
		if err != nil {
			return err
		}
		mu.Lock()
		out[sha] = small
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("thumbnails: %w", err)
	}
	return out, nil
}

// CSV columns beyond the Ratings sheet's: the reviewer's name (on any
// row) and the run the file belongs to.
const (
	csvReviewer = "Reviewer"
	csvRun      = "Run"
)

func writeCSV(path, imgDir string, s Sheet, p Protocol, runID string, thumbs map[string][]byte) error {
	if err := os.MkdirAll(imgDir, 0o755); err != nil {
		return err
	}
	return createCSV(path, func(w *csv.Writer) error {
		return writeSheetRows(w, imgDir, s, p, runID, thumbs)
	})
}

// writeSheetRows writes a CSV sheet's header and rows.
func writeSheetRows(w *csv.Writer, imgDir string, s Sheet, p Protocol, runID string, thumbs map[string][]byte) error {
	cols := p.columns()
	head := append(cols, csvReviewer, csvRun)
	if err := w.Write(head); err != nil {
		return err
	}
	for gi, g := range s.Groups {
		label := fmt.Sprintf("G%d (%s)", gi+1, map[string]string{KindChain: "edit steps", KindPrompt: "versions"}[g.Kind])
		for _, it := range g.Items {
			pic := filepath.Base(imgDir) + "/" + it.SHA[:16] + ".jpg"
			if err := os.WriteFile(filepath.Join(imgDir, it.SHA[:16]+".jpg"), thumbs[it.SHA], 0o644); err != nil {
				return err
			}
			rec := make([]string, len(cols), len(cols)+2)
			copy(rec, []string{it.ID, label, pic, csvsafe.Neutralise(it.Text), csvsafe.Neutralise(s.Models[it.Model]), fmt.Sprint(it.Step)})
			for i, sc := range p.Scales {
				if alignmentScale(sc) && !it.Alignment {
					rec[p.scaleCol(i)] = "n/a"
				}
			}
			rec[p.integrityCol()] = Integrity(runID, it, g.Country, g.ID)
			rec = append(rec, csvsafe.Neutralise(s.Reviewer), runID)
			if err := w.Write(rec); err != nil {
				return err
			}
		}
	}
	return nil
}

// createCSV writes a CSV file at path with write, and makes sure every
// byte reached the file.
func createCSV(path string, write func(*csv.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := csv.NewWriter(f)
	if err := write(w); err != nil {
		return err
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return f.Close()
}

// publish moves a file written at tmp to path with the output's
// permissions, or removes it when writing it failed (err).
func publish(tmp, path string, err error) error {
	if err == nil {
		err = os.Chmod(tmp, outdir.FilePerm())
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
