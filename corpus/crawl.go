package corpus

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/blindspot-audit/blindspot/audit/outdir"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gocolly/colly/v2"
)

// Stats is what a build did.
type Stats struct {
	Requests int64 `json:"requests"` // made over the network (cached pages are not)
	Pages    int   `json:"pages"`    // HTML pages turned into passages
	Skipped  int   `json:"skipped"`  // non-HTML, too large, blocked or failed
	Passages int   `json:"passages"`
}

// Build crawls the seeds within the config's limits, turns every HTML page
// into passages and writes the corpus file atomically. Pages are fetched
// through a cache, and URLs that failed or were not HTML are remembered, so
// a second build makes no request.
func Build(ctx context.Context, cfg *Config, log io.Writer) (Stats, error) {
	var st Stats
	if err := os.MkdirAll(cfg.CacheDir, 0o755); err != nil {
		return st, fmt.Errorf("corpus cache: %w", err)
	}
	skips, err := openSkipList(filepath.Join(cfg.CacheDir, "skipped.txt"))
	if err != nil {
		return st, err
	}
	defer skips.close()

	var requests atomic.Int64
	times := fetchTimes{dir: filepath.Join(cfg.CacheDir, "fetched")}
	if err := os.MkdirAll(times.dir, 0o755); err != nil {
		return st, fmt.Errorf("corpus cache: %w", err)
	}
	c := colly.NewCollector(
		colly.AllowedDomains(cfg.AllowedDomains...),
		colly.Async(true),
		colly.UserAgent(cfg.UserAgent),
		colly.CacheDir(filepath.Join(cfg.CacheDir, "pages")),
		// capTransport enforces the cap on the decoded page; colly's own
		// limit counts compressed bytes and truncates instead of skipping.
		colly.MaxBodySize((cfg.MaxPageKB<<10)+1),
	)
	c.IgnoreRobotsTxt = false
	c.Context = ctx
	c.WithTransport(&robotsCache{dir: filepath.Join(cfg.CacheDir, "robots"),
		next: capTransport{max: int64(cfg.MaxPageKB) << 10, next: countingTransport{&requests, times, http.DefaultTransport}}})
	c.SetRequestTimeout(30 * time.Second)
	if err := c.Limit(&colly.LimitRule{DomainGlob: "*", Parallelism: cfg.Parallelism, Delay: cfg.Delay}); err != nil {
		return st, err
	}

	var mu sync.Mutex
	var passages []Passage
	skipped := 0
	skip := func(u, why string) {
		mu.Lock()
		skipped++
		mu.Unlock()
		skips.add(u)
		if log != nil {
			fmt.Fprintf(log, "skipped %s: %s\n", u, why)
		}
	}
	c.OnRequest(func(r *colly.Request) {
		if skips.has(r.URL.String()) {
			r.Abort()
		}
	})
	c.OnResponseHeaders(func(r *colly.Response) {
		mt, _, _ := mime.ParseMediaType(r.Headers.Get("Content-Type"))
		if mt != "text/html" && mt != "application/xhtml+xml" {
			skip(r.Request.URL.String(), "not HTML ("+mt+")")
			r.Request.Abort()
			return
		}
		if n := r.Headers.Get("Content-Length"); n != "" {
			var size int
			if _, err := fmt.Sscan(n, &size); err == nil && size > cfg.MaxPageKB<<10 {
				skip(r.Request.URL.String(), fmt.Sprintf("%d bytes, over the %d KB cap", size, cfg.MaxPageKB))
				r.Request.Abort()
			}
		}
	})
	c.OnError(func(r *colly.Response, err error) {
		var visited *colly.AlreadyVisitedError
		switch {
		case errors.Is(err, colly.ErrAbortedAfterHeaders), errors.Is(err, colly.ErrAbortedBeforeRequest):
		case errors.As(err, &visited):
			// Only a redirect gets here (new URLs are checked before they
			// are queued): one that leads back to a visited page, a loop.
			skip(r.Request.URL.String(), "redirects to an already visited page: "+visited.Destination.String())
		default:
			skip(r.Request.URL.String(), err.Error())
		}
	})
	// The crawl goes breadth first, a level at a time, each level's new
	// links visited in sorted order up to max_pages: the same pages every
	// build, however the requests interleave, so the cache covers a re-run.
	type origin struct{ country, category string }
	next := map[string]origin{}
	c.OnHTML("a[href]", func(e *colly.HTMLElement) {
		u := e.Request.AbsoluteURL(e.Attr("href"))
		if u == "" {
			return
		}
		if i := strings.IndexByte(u, '#'); i >= 0 {
			u = u[:i]
		}
		mu.Lock()
		if _, ok := next[u]; !ok {
			next[u] = origin{e.Request.Ctx.Get("country"), e.Request.Ctx.Get("category")}
		}
		mu.Unlock()
	})
	c.OnHTML("html", func(e *colly.HTMLElement) {
		title, sections := extract(e.DOM)
		country, category := e.Request.Ctx.Get("country"), e.Request.Ctx.Get("category")
		fetched := times.of(e.Request.URL.String())
		var ps []Passage
		for _, s := range Split(sections, cfg.PassageTokens, cfg.OverlapTokens) {
			ps = append(ps, NewPassage(country, category, e.Request.URL.String(), title, s, fetched))
		}
		mu.Lock()
		passages = append(passages, ps...)
		st.Pages++
		mu.Unlock()
	})
	level := map[string]origin{}
	for _, s := range cfg.Seeds {
		if _, ok := level[s.URL]; !ok {
			level[s.URL] = origin{s.Country, s.Category}
		}
	}
	seen := map[string]bool{}
	queued := 0
	for depth := 0; depth <= cfg.MaxDepth && len(level) > 0 && queued < cfg.MaxPages; depth++ {
		urls := make([]string, 0, len(level))
		for u := range level {
			if !seen[u] {
				urls = append(urls, u)
			}
		}
		sort.Strings(urls)
		for _, u := range urls {
			if queued >= cfg.MaxPages {
				break
			}
			seen[u] = true
			cctx := colly.NewContext()
			cctx.Put("country", level[u].country)
			cctx.Put("category", level[u].category)
			err := c.Request(http.MethodGet, u, nil, cctx, nil)
			var visited *colly.AlreadyVisitedError
			switch {
			case err == nil:
				queued++
			case errors.Is(err, colly.ErrForbiddenDomain), errors.Is(err, colly.ErrRobotsTxtBlocked), errors.As(err, &visited):
				// Outside the crawl: not fetched, not counted.
			default:
				skip(u, err.Error())
			}
		}
		c.Wait()
		mu.Lock()
		level, next = next, map[string]origin{}
		mu.Unlock()
	}
	if err := ctx.Err(); err != nil {
		return st, err
	}
	// Stable output: by URL, then in page order.
	sort.SliceStable(passages, func(i, j int) bool { return passages[i].URL < passages[j].URL })
	st.Passages, st.Skipped, st.Requests = len(passages), skipped, requests.Load()
	return st, writeAtomic(cfg.Output, passages)
}

// extract finds a page's main text, without navigation, tables of
// contents, footers and tables, as sections under their headings.
func extract(doc *goquery.Selection) (string, []Section) {
	title := strings.TrimSpace(doc.Find("title").First().Text())
	root := doc.Find("main, article, #mw-content-text, #content").First()
	if root.Length() == 0 {
		root = doc.Find("body")
	}
	root = root.Clone()
	root.Find("script, style, noscript, nav, header, footer, aside, form, table, figure, .toc, #toc, .navbox, .reference, .mw-editsection, sup, [role=navigation]").Remove()
	var sections []Section
	cur := Section{Heading: title}
	root.Find("h1, h2, h3, h4, p, li, blockquote, pre").Each(func(_ int, s *goquery.Selection) {
		text := strings.Join(strings.Fields(s.Text()), " ")
		if text == "" {
			return
		}
		switch goquery.NodeName(s) {
		case "h1", "h2", "h3", "h4":
			if strings.TrimSpace(cur.Text) != "" {
				sections = append(sections, cur)
			}
			cur = Section{Heading: text}
		default:
			if s.ParentsFiltered("li, blockquote").Length() > 0 && goquery.NodeName(s) == "p" {
				return // already counted with its list item or quote
			}
			cur.Text += text + "\n"
		}
	})
	if strings.TrimSpace(cur.Text) != "" {
		sections = append(sections, cur)
	}
	return title, sections
}

func writeAtomic(path string, ps []Passage) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".corpus-*")
	if err != nil {
		return err
	}
	if err := tmp.Chmod(outdir.FilePerm()); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	w := bufio.NewWriter(tmp)
	if err := errors.Join(Write(w, ps), w.Flush(), tmp.Close()); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path)
}

// errPageTooLarge ends the reading of a page over max_page_kb.
var errPageTooLarge = errors.New("over the max_page_kb cap")

// capTransport caps what a page may hold once decoded: it decompresses a
// gzip body itself (a small download can unpack to gigabytes) and fails
// the read past max bytes, so an oversized page is skipped with a reason
// whether or not it said its Content-Length.
type capTransport struct {
	max  int64
	next http.RoundTripper
}

func (t capTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	body := io.ReadCloser(resp.Body)
	if !resp.Uncompressed && strings.Contains(resp.Header.Get("Content-Encoding"), "gzip") {
		gz, err := gzip.NewReader(resp.Body)
		if err != nil {
			resp.Body.Close()
			return nil, fmt.Errorf("gzip body: %w", err)
		}
		body = struct {
			io.Reader
			io.Closer
		}{gz, resp.Body}
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
		resp.Uncompressed = true
	}
	resp.Body = &cappedBody{r: body, left: t.max}
	return resp, nil
}

type cappedBody struct {
	r    io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n, errPageTooLarge
	}
	return n, err
}

func (b *cappedBody) Close() error { return b.r.Close() }

// countingTransport counts the requests that reach the network.
type countingTransport struct {
	n     *atomic.Int64
	times fetchTimes
	next  http.RoundTripper
}

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.n.Add(1)
	resp, err := t.next.RoundTrip(r)
	if err == nil {
		t.times.record(r.URL.String(), time.Now())
	}
	return resp, err
}

// fetchTimes keeps when each page was fetched over the network, beside
// the page cache, so that a build from the cache writes the same
// fetched_at (and so the same corpus) as the build that fetched.
type fetchTimes struct{ dir string }

func (f fetchTimes) path(url string) string {
	h := sha256.Sum256([]byte(url))
	return filepath.Join(f.dir, hex.EncodeToString(h[:16]))
}

func (f fetchTimes) record(url string, t time.Time) {
	// A lost record only means a later build dates the page then.
	_ = os.WriteFile(f.path(url), []byte(t.UTC().Format(time.RFC3339)), 0o644)
}

// of returns the page's fetch time; a page cached before fetch times
// were kept is dated now, once, and keeps that date.
func (f fetchTimes) of(url string) string {
	if b, err := os.ReadFile(f.path(url)); err == nil {
		if t, err := time.Parse(time.RFC3339, string(b)); err == nil {
			return t.UTC().Format(time.RFC3339)
		}
	}
	now := time.Now()
	f.record(url, now)
	return now.UTC().Format(time.RFC3339)
}

// robotsCache keeps robots.txt answers on disk: colly fetches robots.txt
// outside its page cache.
type robotsCache struct {
	dir  string
	next http.RoundTripper
}

func (t *robotsCache) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path != "/robots.txt" || r.Method != http.MethodGet {
		return t.next.RoundTrip(r)
	}
	sum := sha256.Sum256([]byte(r.URL.String()))
	path := filepath.Join(t.dir, hex.EncodeToString(sum[:8]))
	if b, err := os.ReadFile(path); err == nil {
		status := http.StatusOK
		if len(b) > 0 && b[0] == '!' { // a cached "no robots.txt"
			status, b = http.StatusNotFound, nil
		}
		return &http.Response{StatusCode: status, Status: http.StatusText(status), Body: io.NopCloser(strings.NewReader(string(b))),
			Header: http.Header{"Content-Type": {"text/plain"}}, Request: r, ProtoMajor: 1, ProtoMinor: 1}, nil
	}
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 512<<10))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(t.dir, 0o755); err == nil {
		switch {
		case resp.StatusCode == http.StatusOK:
			os.WriteFile(path, body, 0o644)
		case resp.StatusCode >= 400 && resp.StatusCode < 500:
			os.WriteFile(path, []byte("!"), 0o644)
		}
	}
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	return resp, nil
}

// skipList remembers URLs not to fetch again, on disk.
type skipList struct {
	mu   sync.Mutex
	set  map[string]bool
	file *os.File
}

func openSkipList(path string) (*skipList, error) {
	s := &skipList{set: map[string]bool{}}
	if b, err := os.ReadFile(path); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if l != "" {
				s.set[l] = true
			}
		}
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("corpus cache: %w", err)
	}
	s.file = f
	return s, nil
}

func (s *skipList) has(u string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.set[u]
}

func (s *skipList) add(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.set[u] {
		s.set[u] = true
		fmt.Fprintln(s.file, u)
	}
}

func (s *skipList) close() { s.file.Close() }
