package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/blindspot-audit/blindspot/generators"
)

func TestCacheAndBlobs(t *testing.T) {
	dir := t.TempDir()
	c, err := OpenCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	img := []byte("\x89PNG fake image bytes")
	sha, err := c.Put("k1", "e", &generators.Response{Image: img, Text: "t", Usage: generators.Usage{Images: 1}, ModelVersion: "m@1"})
	if err != nil || sha != Hash(img) {
		t.Fatalf("put: %v %s", err, sha)
	}
	c.Close()
	// Reopened, the cache still answers, image included.
	c, _ = OpenCache(dir)
	defer c.Close()
	r, gotSHA, ok, err := c.Get(context.Background(), "k1")
	if err != nil || !ok || !bytes.Equal(r.Image, img) || r.ModelVersion != "m@1" || gotSHA != sha {
		t.Fatalf("get: %v %v %+v", err, ok, r)
	}
	if _, _, ok, _ := c.Get(context.Background(), "nope"); ok {
		t.Fatal("hit for an unknown key")
	}
	if _, err := c.Blobs.Get(Hash([]byte("other"))); !errors.Is(err, ErrNoBlob) {
		t.Fatalf("missing blob: %v", err)
	}
	// Corrupt a blob: it must be detected, and the cache entry becomes a miss.
	c.db.Exec(`UPDATE blobs SET data = ? WHERE sha = ?`, []byte("tampered"), sha)
	if _, err := c.Blobs.Get(sha); err == nil {
		t.Fatal("corrupt blob not detected")
	}
	if _, _, ok, _ := c.Get(context.Background(), "k1"); ok {
		t.Fatal("corrupt cached image served")
	}
}

func TestWriterBatchesConcurrentWrites(t *testing.T) {
	r, err := OpenRun(filepath.Join(t.TempDir(), "run"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 500; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			im := Image{ID: fmt.Sprintf("img-%d", i), Kind: KindGenerated, Status: StatusOK}
			if err := r.PutImage(im, &Call{TaskID: im.ID, Stage: "generate", Endpoint: "e", RequestKey: im.ID, Status: StatusOK, Attempts: 1}); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	r.Close()
	r, _ = OpenRunReadOnly(r.Dir)
	defer r.Close()
	var images, calls, tasks int
	r.db.QueryRow(`SELECT COUNT(*) FROM images`).Scan(&images)
	r.db.QueryRow(`SELECT COUNT(*) FROM calls`).Scan(&calls)
	r.db.QueryRow(`SELECT COUNT(*) FROM tasks WHERE status = 'ok'`).Scan(&tasks)
	if images != 500 || calls != 500 || tasks != 500 {
		t.Fatalf("images %d calls %d tasks %d, want 500 each", images, calls, tasks)
	}
	if err := r.IntegrityCheck(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A failing write must not take the rest of its batch down with it.
func TestWriterIsolatesAFailedWrite(t *testing.T) {
	r, err := OpenRun(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var wg sync.WaitGroup
	errs := make([]error, 50)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = r.w.do(func(tx *Tx) error {
				if i == 25 {
					return errors.New("bad write")
				}
				return r.w.exec(tx, `INSERT INTO meta(key, value) VALUES (?, ?)`, fmt.Sprint(i), "v")
			})
		}(i)
	}
	wg.Wait()
	var n int
	r.db.QueryRow(`SELECT COUNT(*) FROM meta`).Scan(&n)
	if n != 49 || errs[25] == nil {
		t.Fatalf("%d rows written, error of the bad write %v", n, errs[25])
	}
}

func TestOpenRunReadOnlyNeedsARun(t *testing.T) {
	if _, err := OpenRunReadOnly(t.TempDir()); err == nil {
		t.Fatal("opened an empty directory as a run")
	}
}

func TestVectorRoundTrip(t *testing.T) {
	v := []float64{0, 1.5, -2, 1e-300}
	got := DecodeVector(EncodeVector(v))
	for i := range v {
		if got[i] != v[i] {
			t.Fatalf("%v != %v", got, v)
		}
	}
}

// TestVectorsOf reads the vectors of more images than one query names,
// of one embedder only, and leaves out images it did not embed.
func TestVectorsOf(t *testing.T) {
	run, err := OpenRun(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	const n = 2*vectorBatch + 7
	var ids []string
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("img%04d", i)
		ids = append(ids, id)
		if i%10 == 3 {
			continue // not embedded
		}
		if err := run.PutEmbedding("t"+id, id, "e1", StatusOK, "", []float64{float64(i), 1}); err != nil {
			t.Fatal(err)
		}
		if err := run.PutEmbedding("u"+id, id, "e2", StatusOK, "", []float64{-1, float64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := run.DB().VectorsOf(context.Background(), "e1", append(ids, "unknown"))
	if err != nil {
		t.Fatal(err)
	}
	if want := n - (n+6)/10; len(got) != want {
		t.Fatalf("%d vectors, want %d", len(got), want)
	}
	for i, id := range ids {
		v, ok := got[id]
		if ok != (i%10 != 3) || ok && (v[0] != float64(i) || v[1] != 1) {
			t.Fatalf("%s: %v %v", id, v, ok)
		}
	}
}
