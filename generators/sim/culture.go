package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"image/color"
	"math"
	"sort"
	"strings"
)

// culture is how the simulator draws a country.
type culture struct {
	Name    string
	Palette [4]color.RGBA // shape, ground, background, motif
	Motif   int
}

// knownHues gives the built-in countries well separated hues; any other
// country gets a hue from its name's hash (and may then be confused with a
// neighbour, as a real model might).
var knownHues = map[string]float64{
	"china": 0, "india": 36, "nigeria": 96, "kenya": 150, "korea": 196,
	"united states": 240, "japan": 318, "france": 276, "brazil": 60,
	"italy": 120, "turkey": 18, "mexico": 340,
}

// worldNames are the country names the simulator recognises in text, beside
// those with a known hue.
var worldNames = []string{
	"Argentina", "Australia", "Bangladesh", "Canada", "Egypt", "Ethiopia",
	"Germany", "Ghana", "Indonesia", "Iran", "Morocco", "Pakistan", "Peru",
	"Philippines", "Russia", "Senegal", "South Africa", "Spain", "Thailand",
	"United Kingdom", "Vietnam",
}

// recognised lists every country name the simulator can find in a text,
// longest first so "United States" wins over shorter overlaps.
var recognised = func() []string {
	var out []string
	for k := range knownHues {
		out = append(out, k)
	}
	for _, n := range worldNames {
		out = append(out, strings.ToLower(n))
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i]) != len(out[j]) {
			return len(out[i]) > len(out[j])
		}
		return out[i] < out[j]
	})
	return out
}()

// demonyms name a culture by its people, as story prompts do ("a Chinese
// kid"); demonyms that contain the country's name (Kenyan) need no entry.
var demonyms = map[string]string{
	"chinese": "china", "american": "united states", "japanese": "japan", "french": "france",
	"brazilian": "brazil", "italian": "italy", "turkish": "turkey", "mexican": "mexico",
}

// findCountry returns the first recognised country named in text (by name
// or demonym), or "".
func findCountry(text string) string {
	l := strings.ToLower(text)
	best, at := "", len(l)+1
	for _, n := range recognised {
		if i := strings.Index(l, n); i >= 0 && i < at {
			best, at = n, i
		}
	}
	for d, n := range demonyms {
		if i := strings.Index(l, d); i >= 0 && (i < at || (i == at && n < best)) {
			best, at = n, i
		}
	}
	return best
}

func hashFloat(s string) float64 {
	h := sha256.Sum256([]byte(s))
	return float64(binary.BigEndian.Uint64(h[:8])>>11) / (1 << 53)
}

func cultureOf(name string) culture {
	key := strings.ToLower(strings.TrimSpace(name))
	hue, ok := knownHues[key]
	if !ok {
		hue = 360 * hashFloat("hue:"+key)
	}
	c := culture{Name: key, Motif: int(hashFloat("motif:"+key) * float64(numMotifs))}
	c.Palette[0] = hsv(hue, 0.80, 0.80)
	c.Palette[1] = hsv(hue+12, 0.65, 0.45)
	c.Palette[2] = hsv(hue-10, 0.35, 0.97)
	c.Palette[3] = hsv(hue+20, 0.90, 0.30)
	return c
}

func hsv(h, s, v float64) color.RGBA {
	h = math.Mod(math.Mod(h, 360)+360, 360)
	c := v * s
	x := c * (1 - math.Abs(math.Mod(h/60, 2)-1))
	m := v - c
	var r, g, b float64
	switch {
	case h < 60:
		r, g, b = c, x, 0
	case h < 120:
		r, g, b = x, c, 0
	case h < 180:
		r, g, b = 0, c, x
	case h < 240:
		r, g, b = 0, x, c
	case h < 300:
		r, g, b = x, 0, c
	default:
		r, g, b = c, 0, x
	}
	return color.RGBA{uint8(255 * (r + m)), uint8(255 * (g + m)), uint8(255 * (b + m)), 255}
}

// lexicon holds the story vocabulary of a culture.
type lexicon struct {
	Names  []string
	Family []string
	Foods  []string
	Places []string
}

var lexicons = map[string]lexicon{
	"china":         {[]string{"Li Wei", "Mei", "Zhang Hao", "Xiu Ying"}, []string{"nainai", "yeye"}, []string{"dumplings", "congee"}, []string{"the hutong", "the Yangtze"}},
	"india":         {[]string{"Aarav", "Priya", "Rohan", "Ananya"}, []string{"dadi", "nana"}, []string{"dal", "chapati"}, []string{"the bazaar", "the Ganges"}},
	"kenya":         {[]string{"Wanjiru", "Otieno", "Achieng", "Kamau"}, []string{"shosho", "guka"}, []string{"ugali", "sukuma wiki"}, []string{"the shamba", "Lake Victoria"}},
	"korea":         {[]string{"Minji", "Jisoo", "Hyunwoo", "Seojun"}, []string{"halmeoni", "harabeoji"}, []string{"kimchi", "tteok"}, []string{"the hanok", "the Han River"}},
	"nigeria":       {[]string{"Chidi", "Ngozi", "Tunde", "Amaka"}, []string{"mama", "baba"}, []string{"jollof rice", "puff-puff"}, []string{"the market in Lagos", "the Niger"}},
	"united states": {[]string{"Emily", "Jake", "Madison", "Tyler"}, []string{"grandma", "grandpa"}, []string{"pancakes", "apple pie"}, []string{"the suburb", "the mall"}},
}

func lexiconOf(name string) lexicon {
	if l, ok := lexicons[strings.ToLower(name)]; ok {
		return l
	}
	return lexicon{[]string{"Sam", "Alex"}, []string{"grandmother"}, []string{"bread"}, []string{"the village"}}
}
