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
