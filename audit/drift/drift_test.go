package drift

import (
	"image"
	"image/color"
	"math"
	"testing"
)

// scene draws a background and a rectangle at x0 in two colours.
func scene(x0 int, bg, fg color.RGBA) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 256, 256))
	for y := 0; y < 256; y++ {
		for x := 0; x < 256; x++ {
			c := bg
			if x >= x0 && x < x0+80 && y >= 90 && y < 200 {
				c = fg
			}
			// A little texture so that windows have variance.
			c.R += uint8((x*7 + y*3) % 9)
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func prep(t *testing.T, img image.Image) *Prepared {
	p, err := Prepare(img)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMeasures(t *testing.T) {
	red, blue := color.RGBA{200, 40, 40, 255}, color.RGBA{40, 40, 200, 255}
	sky, grass := color.RGBA{150, 200, 240, 255}, color.RGBA{60, 160, 60, 255}
	a := prep(t, scene(40, sky, red))
	same := Compare(a, prep(t, scene(40, sky, red)))
	if math.Abs(same.SSIM-1) > 1e-9 || same.ColorDistance != 0 || same.EdgeDistance > 1e-9 || same.PHashDistance != 0 {
		t.Fatalf("identical images: %+v", same)
	}
	recolour := Compare(a, prep(t, scene(40, grass, blue)))
	moved := Compare(a, prep(t, scene(140, sky, red)))
	if recolour.ColorDistance < 0.5 {
		t.Errorf("a new palette moved the colour histogram by only %v", recolour.ColorDistance)
	}
	if recolour.EdgeDistance > moved.EdgeDistance {
		t.Errorf("recolouring changed edges (%v) more than moving the shape (%v)", recolour.EdgeDistance, moved.EdgeDistance)
	}
	if moved.SSIM >= same.SSIM || moved.ColorDistance > 0.05 {
		t.Errorf("moving the shape: %+v", moved)
	}
}
