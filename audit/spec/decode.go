package spec

import (
	"encoding"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Pos is a 1-based line and column in a spec file.
type Pos struct{ Line, Col int }

// Problem is one thing wrong with a spec, with where it is.
type Problem struct {
	File string
	Pos  Pos
	Path string
	Msg  string
}

func (p Problem) String() string {
	loc := p.File
	if p.Pos.Line > 0 {
		loc = fmt.Sprintf("%s:%d:%d", p.File, p.Pos.Line, p.Pos.Col)
	}
	if p.Path != "" {
		return loc + ": " + p.Path + ": " + p.Msg
	}
	return loc + ": " + p.Msg
}

// Error holds every problem of a spec, reported at once.
type Error struct{ Problems []Problem }

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// decoder is a strict YAML-to-struct decoder that, unlike yaml.v3's own,
// reports every unknown key and wrong type at once, each with its line,
// column and field path, and remembers where every field was written so
// semantic checks can point at it too.
type decoder struct {
	file     string
	problems []Problem
	pos      map[string]Pos
	steps    int  // nodes visited, to stop alias bombs
	halted   bool // a limit was hit; decoding stopped
}

// Limits on decoding work: aliases can make a small file expand hugely.
const (
	maxDecodeSteps = 200000
	maxDepth       = 64
)

var (
	durationType = reflect.TypeOf(time.Duration(0))
	textUnmarsh  = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()
)

func newDecoder(file string) *decoder { return &decoder{file: file, pos: map[string]Pos{}} }

func (d *decoder) problem(n *yaml.Node, path, format string, a ...any) {
	p := Problem{File: d.file, Path: path, Msg: fmt.Sprintf(format, a...)}
	if n != nil {
		p.Pos = Pos{n.Line, n.Column}
	}
	d.problems = append(d.problems, p)
}

// at reports a problem at a path recorded while decoding; an unrecorded
// path falls back to its nearest recorded parent.
// present reports whether the spec wrote a value at path.
func (d *decoder) present(path string) bool {
	_, ok := d.pos[path]
	return ok
}

func (d *decoder) at(path, format string, a ...any) {
	p := Problem{File: d.file, Path: path, Msg: fmt.Sprintf(format, a...)}
	for q := path; ; {
		if pos, ok := d.pos[q]; ok {
			p.Pos = pos
			break
		}
		i := strings.LastIndexAny(q, ".[")
		if i < 0 {
			if pos, ok := d.pos[""]; ok {
				p.Pos = pos
			}
			break
		}
		q = q[:i]
	}
	d.problems = append(d.problems, p)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		return fmt.Sprintf("%q", excerpt(n.Value))
	}
	return "an unexpected node"
}

// excerpt is at most the first 60 characters of a value from a file: an
// error quotes a file, it does not print it.
func excerpt(s string) string {
	const max = 60
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + fmt.Sprintf("… (%d more characters)", len(r)-max)
}

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	if d.halted {
		return
	}
	d.steps++
	if d.steps > maxDecodeSteps || strings.Count(path, ".")+strings.Count(path, "[") > maxDepth {
		d.problem(n, path, "the spec is too large or too deeply nested (aliases expand to more than %d values)", maxDecodeSteps)
		d.halted = true
		return
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return
		}
		n = n.Content[0]
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	d.pos[path] = Pos{n.Line, n.Column}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	t := v.Type()
	if t.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		d.decode(n, v.Elem(), path)
		return
	}
	if reflect.PointerTo(t).Implements(textUnmarsh) && t != durationType {
		if n.Kind != yaml.ScalarNode {
			d.problem(n, path, "expected a single value, got %s", kindName(n))
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value)); err != nil {
			d.problem(n, path, "%v", err)
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.problem(n, path, "expected a mapping, got %s", kindName(n))
			return
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(t))
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if seen[k.Value] {
				d.problem(k, join(path, k.Value), "key %q is given twice", k.Value)
				continue
			}
			seen[k.Value] = true
			ev := reflect.New(t.Elem()).Elem()
			d.decode(val, ev, join(path, k.Value))
			d.pos[join(path, k.Value)] = Pos{k.Line, k.Column}
			v.SetMapIndex(reflect.ValueOf(k.Value).Convert(t.Key()), ev)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.problem(n, path, "expected a list, got %s", kindName(n))
			return
		}
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.decode(c, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	default:
		d.decodeScalar(n, v, path)
	}
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.problem(n, path, "expected a mapping, got %s", kindName(n))
		return
	}
	t := v.Type()
	fields := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			fields[name] = i
		}
	}
	// A struct holding provider option blocks (an endpoint) decodes a key
	// naming a provider into that provider's options type.
	holder, _ := v.Addr().Interface().(blockHolder)
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		p := join(path, k.Value)
		idx, ok := fields[k.Value]
		if !ok && holder != nil {
			if block, isBlock := holder.newBlock(k.Value); isBlock {
				if seen[k.Value] {
					d.problem(k, p, "field %q is given twice", k.Value)
					continue
				}
				seen[k.Value] = true
				d.decode(val, reflect.ValueOf(block).Elem(), p)
				d.pos[p] = Pos{k.Line, k.Column}
				if !(val.Kind == yaml.ScalarNode && val.Tag == "!!null") { // `openai:` alone is no block
					holder.setBlock(k.Value, block)
				}
				continue
			}
		}
		if !ok {
			known := slices.Collect(maps.Keys(fields))
			if holder != nil {
				known = append(known, holder.blockKeys()...)
			}
			slices.Sort(known)
			d.problem(k, p, "unknown field %q (known: %s)", k.Value, strings.Join(known, ", "))
			continue
		}
		if seen[k.Value] {
			d.problem(k, p, "field %q is given twice", k.Value)
			continue
		}
		seen[k.Value] = true
		d.decode(val, v.Field(idx), p)
		d.pos[p] = Pos{k.Line, k.Column}
	}
}

// blockHolder is a struct with provider option blocks (spec.Endpoint).
type blockHolder interface {
	newBlock(key string) (any, bool)
	setBlock(key string, v any)
	blockKeys() []string
}

func (d *decoder) decodeScalar(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.problem(n, path, "expected a single value, got %s", kindName(n))
		return
	}
	s := n.Value
	if v.Type() == durationType {
		dur, err := time.ParseDuration(s)
		if err != nil {
			d.problem(n, path, "expected a duration such as 30s or 2m, got %q", excerpt(s))
			return
		}
		v.SetInt(int64(dur))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil || n.Tag != "!!bool" {
			d.problem(n, path, "expected true or false, got %q", excerpt(s))
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		i, err := strconv.ParseInt(s, 0, 64)
		if err != nil || n.Tag == "!!str" {
			d.problem(n, path, "expected a whole number, got %q", excerpt(s))
			return
		}
		v.SetInt(i)
	case reflect.Uint64, reflect.Uint:
		i, err := strconv.ParseUint(s, 0, 64)
		if err != nil || n.Tag == "!!str" {
			d.problem(n, path, "expected a non-negative whole number, got %q", excerpt(s))
			return
		}
		v.SetUint(i)
	case reflect.Float64:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || n.Tag == "!!str" {
			d.problem(n, path, "expected a number, got %q", excerpt(s))
			return
		}
		v.SetFloat(f)
	default:
		d.problem(n, path, "cannot hold a value of type %s", v.Type())
	}
}
