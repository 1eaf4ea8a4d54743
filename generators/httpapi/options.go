package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Options is the `http:` block of an endpoint: one request template per
// role it serves.
type Options struct {
	Generate *Request `yaml:"generate"`
	Edit     *Request `yaml:"edit"`
	// Score rates an image (an aesthetic predictor); its result is a
	// number at result.score_path.
	Score *Request `yaml:"score"`
}

// Request describes one call: the submission, an optional polling step,
// and where the image is in the final answer.
type Request struct {
	Method  string            `yaml:"method"`
	URL     string            `yaml:"url"`
	Headers map[string]string `yaml:"headers"`
	// Body is a JSON template; a placeholder stands for its value encoded as
	// JSON, e.g. {"prompt": {{prompt}}, "seed": {{seed}}}.
	Body string `yaml:"body"`
	// Form sends multipart/form-data instead: field -> template; the value
	// "{{image}}" sends the input image as a file part.
	Form map[string]string `yaml:"form"`
	Poll *Poll             `yaml:"poll"`
	// Result says where the image is.
	Result Result `yaml:"result"`
	// Refused marks an answer (submission, poll or result) as a refusal.
	Refused *Match `yaml:"refused"`
}

// Poll repeats a GET until the job is done.
type Poll struct {
	// URL is a template that may use {{response.PATH}} values of the
	// submission's answer, e.g. "{{response.urls.get}}".
	URL      string        `yaml:"url"`
	Interval time.Duration `yaml:"interval"`
	Done     Match         `yaml:"done"`
	Failed   *Match        `yaml:"failed"`
	// ResultURL, when set, is fetched once the job is done and holds the
	// result (fal's response_url).
	ResultURL string `yaml:"result_url"`
}

// Match tests the value at a JSON path (gjson syntax) against a set.
type Match struct {
	Path string   `yaml:"path"`
	In   []string `yaml:"in"`
}

// Result locates the image: base64 at B64Path, a URL at URLPath, or the
// whole body (Raw); for a score request, the number at ScorePath.
type Result struct {
	B64Path   string `yaml:"b64_path"`
	URLPath   string `yaml:"url_path"`
	Raw       bool   `yaml:"raw"`
	ScorePath string `yaml:"score_path"`
}

// Check returns every problem as "field: message", for the spec to place.
func (o *Options) Check() []string {
	var out []string
	for _, r := range []struct {
		name string
		req  *Request
	}{{"generate", o.Generate}, {"edit", o.Edit}, {"score", o.Score}} {
		if r.req != nil {
			for _, p := range r.req.check(r.name) {
				out = append(out, r.name+"."+p)
			}
		}
	}
	if o.Generate == nil && o.Edit == nil && o.Score == nil {
		out = append(out, "generate: an http endpoint needs a generate, edit or score request")
	}
	return out
}

func (r *Request) check(kind string) []string {
	edit, score := kind == "edit", kind == "score"
	var out []string
	add := func(f, format string, a ...any) { out = append(out, f+": "+fmt.Sprintf(format, a...)) }
	switch strings.ToUpper(r.Method) {
	case "", http.MethodPost, http.MethodPut, http.MethodGet:
	default:
		add("method", "must be GET, POST or PUT, got %q", r.Method)
	}
	if u, err := url.Parse(fill(r.URL, sample, nil, false)); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		add("url", "must be an http(s) URL template, got %q", r.URL)
	}
	if r.Body != "" && r.Form != nil {
		add("body", "give a JSON body or a form, not both")
	}
	if r.Body != "" {
		if b := fill(r.Body, sample, nil, true); !json.Valid([]byte(b)) {
			add("body", "is not valid JSON once its placeholders are filled: %s", b)
		}
	}
	for _, t := range append(append([]string{r.URL, r.Body}, values(r.Headers)...), values(r.Form)...) {
		if err := checkPlaceholders(t); err != nil {
			add("placeholders", "%v", err)
		}
	}
	if (edit || score) && !strings.Contains(r.Body+strings.Join(values(r.Form), " "), "{{image") {
		add("body", "an %s request must send the image ({{image_b64}}, {{image_data_uri}} or a form field {{image}})", kind)
	}
	n := 0
	for _, set := range []bool{r.Result.B64Path != "", r.Result.URLPath != "", r.Result.Raw} {
		if set {
			n++
		}
	}
	switch {
	case score && (n != 0 || r.Result.ScorePath == ""):
		add("result", "a score request gives score_path, the JSON path of the number")
	case !score && (n != 1 || r.Result.ScorePath != ""):
		add("result", "give exactly one of b64_path, url_path, raw")
	}
	if p := r.Poll; p != nil {
		if p.URL == "" {
			add("poll.url", "is required")
		}
		if p.Done.Path == "" || len(p.Done.In) == 0 {
			add("poll.done", "needs a path and the values that mean done")
		}
		if p.Interval < 0 {
			add("poll.interval", "must not be negative")
		}
	}
	return out
}

func values(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
