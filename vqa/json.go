package vqa

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// jsonObjectRe finds a JSON object in an answer, also inside a ```json
// fence or after a sentence.
var jsonObjectRe = regexp.MustCompile(`(?s)\{.*\}`)

// jsonField reads the first of keys (case-insensitive) from a JSON object
// in an answer, as text: numbers as written, booleans as yes or no. It
// reports false when the answer holds no object or none of the keys.
func jsonField(raw string, keys ...string) (string, bool) {
	loc := jsonObjectRe.FindStringIndex(raw)
	if loc == nil {
		return "", false
	}
	var m map[string]any
	if json.Unmarshal([]byte(raw[loc[0]:loc[1]]), &m) != nil {
		return "", false
	}
	lower := make(map[string]any, len(m))
	for k, v := range m {
		lower[strings.ToLower(strings.TrimSpace(k))] = v
	}
	for _, k := range keys {
		switch v := lower[k].(type) {
		case string:
			return v, true
		case float64:
			return fmt.Sprint(v), true
		case bool:
			if v {
				return "yes", true
			}
			return "no", true
		}
	}
	return "", false
}
