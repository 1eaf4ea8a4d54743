package thumbs

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"sync/atomic"
	"testing"
)

func TestJPEG(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 400, 200))
	for x := 0; x < 400; x++ {
		img.Set(x, x%200, color.RGBA{200, 30, 30, 255})
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	small, err := JPEG(buf.Bytes(), 100)
	if err != nil {
		t.Fatal(err)
	}
	got, err := jpeg.Decode(bytes.NewReader(small))
	if err != nil || got.Bounds().Dx() != 100 || got.Bounds().Dy() != 50 {
		t.Fatalf("thumbnail %v, %v; want 100x50", got.Bounds(), err)
	}
	if _, err := JPEG([]byte("not an image"), 100); err == nil {
		t.Error("garbage decoded")
	}
}

func TestEachStopsAtFirstError(t *testing.T) {
	var n atomic.Int32
	err := Each(context.Background(), []string{"a", "b", "bad", "c"}, func(_ context.Context, k string) error {
		n.Add(1)
		if k == "bad" {
			return errors.New("broken")
		}
		return nil
	})
	if err == nil || err.Error() != "image bad: broken" {
		t.Errorf("Each: %v", err)
	}
	if err := Each(context.Background(), []string{"x", "y"}, func(context.Context, string) error { return nil }); err != nil || n.Load() < 1 {
		t.Errorf("Each without errors: %v", err)
	}
}

// TestEncodeKeepsColoursAndSmallImages checks the fast path for opaque
// NRGBA images against the colours drawn, that a translucent image still
// encodes, and that an image narrower than a thumbnail is not enlarged
// while a sheet's picture is.
func TestEncodeKeepsColoursAndSmallImages(t *testing.T) {
	for _, alpha := range []uint8{255, 128} {
		img := image.NewNRGBA(image.Rect(0, 0, 64, 32))
		for i := 0; i < len(img.Pix); i += 4 {
			copy(img.Pix[i:], []uint8{200, 40, 90, alpha})
		}
		small, err := Encode(img, 160, false)
		if err != nil {
			t.Fatal(err)
		}
		got, err := jpeg.Decode(bytes.NewReader(small))
		if err != nil || got.Bounds().Dx() != 64 || got.Bounds().Dy() != 32 {
			t.Fatalf("alpha %d: thumbnail %v, %v; want 64x32, unscaled", alpha, got.Bounds(), err)
		}
		big, err := Encode(img, 160, true)
		if err != nil {
			t.Fatal(err)
		}
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(big)); err != nil || cfg.Width != 160 || cfg.Height != 80 {
			t.Fatalf("alpha %d: enlarged picture %dx%d, %v; want 160x80", alpha, cfg.Width, cfg.Height, err)
		}
		want := color.NRGBA{200, 40, 90, alpha}
		wr, wg, wb, _ := want.RGBA()
		r, g, b, _ := got.At(10, 10).RGBA()
		if d := max(absDiff(r, wr), absDiff(g, wg), absDiff(b, wb)) >> 8; d > 6 {
			t.Errorf("alpha %d: colour %v, want %v (off by %d)", alpha, got.At(10, 10), want, d)
		}
	}
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}
