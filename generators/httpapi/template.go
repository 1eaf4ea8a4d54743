package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// vars are the values a template can use.
type vars struct {
	Prompt, Model, Key string
	Seed               int64
	Size               int
	Image              []byte
}

var sample = vars{Prompt: "p", Model: "m", Key: "k", Seed: 1, Size: 512, Image: []byte("img")}

var placeholderRe = regexp.MustCompile(`\{\{\s*([a-z_0-9]+(?:\.[^}\s]+)?)\s*\}\}`)

// Placeholders lists the names templates may use, beside {{response.PATH}}
// in poll URLs.
var Placeholders = []string{"prompt", "seed", "model", "size", "key", "image", "image_b64", "image_data_uri"}

func checkPlaceholders(t string) error {
	for _, m := range placeholderRe.FindAllStringSubmatch(t, -1) {
		name := m[1]
		if strings.HasPrefix(name, "response.") {
			continue
		}
		known := false
		for _, p := range Placeholders {
			known = known || p == name
		}
		if !known {
			return fmt.Errorf("unknown placeholder {{%s}} (known: %s, response.PATH)", name, strings.Join(Placeholders, ", "))
		}
	}
	return nil
}

// value is a placeholder's value as text.
func (v vars) value(name string, response []byte) (string, bool) {
	switch name {
	case "prompt":
		return v.Prompt, true
	case "model":
		return v.Model, true
	case "key":
		return v.Key, true
	case "seed":
		return strconv.FormatInt(v.Seed, 10), false
	case "size":
		return strconv.Itoa(v.Size), false
	case "image_b64", "image":
		return base64.StdEncoding.EncodeToString(v.Image), true
	case "image_data_uri":
		return "data:" + http.DetectContentType(v.Image) + ";base64," + base64.StdEncoding.EncodeToString(v.Image), true
	}
	if path, ok := strings.CutPrefix(name, "response."); ok && response != nil {
		return gjson.GetBytes(response, path).String(), true
	}
	return "", true
}

// fill substitutes placeholders. In a JSON template each value is encoded
// as JSON (strings quoted and escaped, numbers bare); elsewhere it is the
// plain text.
func fill(t string, v vars, response []byte, asJSON bool) string {
	return placeholderRe.ReplaceAllStringFunc(t, func(m string) string {
		name := placeholderRe.FindStringSubmatch(m)[1]
		s, isString := v.value(name, response)
		if !asJSON {
			return s
		}
		if !isString {
			return s
		}
		b, _ := json.Marshal(s)
		return string(b)
	})
}
