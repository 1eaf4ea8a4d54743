package openai

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
)

// placeholder is what encoding/json writes for an image's dataURI: the
// JSON string holding only U+0000.
var placeholder = []byte(`"\u0000"`)

// dataURI is an image that a request sends as a data URI. It marshals to a
// placeholder, noting its image in document order, and jsonBody writes the
// URI there, encoded straight into the body: a judge sends its image with
// every question, and marshalling the URI as a Go string built it, scanned
// it and copied it, tens of kilobytes each time.
type dataURI struct {
	img   []byte
	order *[][]byte
}

// MarshalJSON writes the placeholder and notes the image.
func (d dataURI) MarshalJSON() ([]byte, error) {
	*d.order = append(*d.order, d.img)
	return placeholder, nil
}

// jsonBody encodes the request that build makes, given a function that
// turns an image into a JSON value for its data URI.
func jsonBody(build func(uri func(img []byte) any) any) ([]byte, error) {
	var order [][]byte
	b, err := json.Marshal(build(func(img []byte) any { return dataURI{img, &order} }))
	if err != nil {
		return nil, err
	}
	if bytes.Count(b, placeholder) != len(order) {
		// A text of exactly "\x00" reads as a placeholder: encode this
		// request the plain way.
		return json.Marshal(build(func(img []byte) any { return DataURI(img) }))
	}
	prefixes := make([][]byte, len(order))
	size := len(b) - len(order)*len(placeholder)
	for i, img := range order {
		p, err := json.Marshal("data:" + http.DetectContentType(img) + ";base64,")
		if err != nil {
			return nil, err
		}
		prefixes[i] = p[:len(p)-1] // the string stays open for the base64
		size += len(prefixes[i]) + base64.StdEncoding.EncodedLen(len(img)) + 1
	}
	out := make([]byte, 0, size)
	for i, img := range order {
		at := bytes.Index(b, placeholder)
		out = append(append(out, b[:at]...), prefixes[i]...)
		n := base64.StdEncoding.EncodedLen(len(img))
		base64.StdEncoding.Encode(out[len(out):len(out)+n], img) // base64 needs no JSON escapes
		out = append(out[:len(out)+n], '"')
		b = b[at+len(placeholder):]
	}
	return append(out, b...), nil
}
