// Package markdown turns note text into safe HTML: Markdown through
// goldmark (raw HTML off), then bluemonday's UGC policy, so no script,
// event handler or javascript: URL survives whatever goldmark lets through.
// On the way, @mentions of team members are marked and recommendation codes
// become links to their item.
package markdown

import (
	"bytes"
	"html/template"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Person is a team member a note can mention.
type Person struct {
	ID   int64
	Name string
}

// Directory is what a note's references resolve against: mention handles
// (lower case, without the @) and recommendation codes ("R-07" → id).
// Only names found here are marked or linked, so "@nobody" and "R-99"
// stay plain text.
type Directory struct {
	Handles map[string]Person
	Codes   map[string]int64
}

// The markdown engine and the sanitising policy are built once and shared:
// both are safe for concurrent use, and one policy means every note is
// cleaned by the same rules.
var (
	engine = goldmark.New(
		goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify),
		goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(refTransformer{}, 500))),
		// Hard wraps: a line break typed in the note box shows as one, as
		// people expect from a comment field.
		goldmark.WithRendererOptions(html.WithHardWraps(),
			renderer.WithNodeRenderers(util.Prioritized(mentionRenderer{}, 500))),
	)
	policy = newPolicy()
	dirKey = parser.NewContextKey()
)

func newPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	// Our own marks are the only classes a note may carry.
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^mention$`)).OnElements("span")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^code-ref$`)).OnElements("a")
	return p
}

// Render converts note Markdown to sanitised HTML.
func Render(src string, dir *Directory) template.HTML {
	source := []byte(src)
	doc := parse(source, dir)
	var buf bytes.Buffer
	if err := engine.Renderer().Render(&buf, source, doc); err != nil {
		// The HTML renderer only fails on writer errors, which a
		// bytes.Buffer never returns; show the text rather than nothing.
		return template.HTML(template.HTMLEscapeString(src))
	}
	// #nosec: the output of the shared policy is safe to embed.
	return template.HTML(policy.SanitizeBytes(buf.Bytes()))
}

// Mentions lists the ids of the people a note mentions, in order of first
// mention. Mentions inside code or links do not count, exactly as they are
// not marked when rendered.
func Mentions(src string, dir *Directory) []int64 {
	source := []byte(src)
	doc := parse(source, dir)
	var ids []int64
	seen := map[int64]bool{}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if m, ok := n.(*mentionNode); ok && entering && !seen[m.Person.ID] {
			seen[m.Person.ID] = true
			ids = append(ids, m.Person.ID)
		}
		return ast.WalkContinue, nil
	})
	return ids
}

// HandleOf is the mention handle derived from an e-mail: its local part.
func HandleOf(email string) string {
	local, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(email)), "@")
	return local
}

func parse(source []byte, dir *Directory) ast.Node {
	pc := parser.NewContext()
	pc.Set(dirKey, dir)
	return engine.Parser().Parse(text.NewReader(source), parser.WithContext(pc))
}

// refPattern finds candidate mentions and codes inside a text run; the
// boundaries around them are checked by hand (Go's regexp has no
// look-behind).
var refPattern = regexp.MustCompile(`@[\p{L}\p{N}][\p{L}\p{N}._+-]*|R-[0-9]{2,4}`)

// refTransformer rewrites text runs after parsing, so code spans, code
// blocks and existing links are never touched.
type refTransformer struct{}

func (refTransformer) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	dir, _ := pc.Get(dirKey).(*Directory)
	if dir == nil {
		return
	}
	source := reader.Source()
	var texts []*ast.Text
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.Kind() {
		case ast.KindLink, ast.KindAutoLink, ast.KindImage, ast.KindCodeSpan, ast.KindRawHTML,
			ast.KindCodeBlock, ast.KindFencedCodeBlock, ast.KindHTMLBlock:
			return ast.WalkSkipChildren, nil
		}
		if t, ok := n.(*ast.Text); ok && !t.IsRaw() {
			texts = append(texts, t)
		}
		return ast.WalkContinue, nil
	})
	for _, t := range texts {
		splitRefs(t, source, dir)
	}
}

// splitRefs replaces one text node by text, mention and link nodes.
func splitRefs(t *ast.Text, source []byte, dir *Directory) {
	seg := t.Segment
	value := seg.Value(source)
	matches := refPattern.FindAllIndex(value, -1)
	if len(matches) == 0 {
		return
	}
	var out []ast.Node
	pos := seg.Start
	for _, m := range matches {
		start, stop := seg.Start+m[0], seg.Start+m[1]
		if start > 0 && wordByte(source, start) {
			continue // part of a word or an e-mail address: "ada@x.org", "XR-07"
		}
		var node ast.Node
		if source[start] == '@' {
			handle := strings.TrimRight(string(source[start+1:stop]), "._+-")
			p, ok := dir.Handles[strings.ToLower(handle)]
			if !ok {
				continue
			}
			stop = start + 1 + len(handle)
			node = &mentionNode{Handle: handle, Person: p}
		} else {
			if stop < len(source) && isWordRune(source[stop:]) {
				continue // "R-071x" is not a code
			}
			id, ok := dir.Codes[string(source[start:stop])]
			if !ok {
				continue
			}
			link := ast.NewLink()
			link.Destination = []byte("/recommendations/" + strconv.FormatInt(id, 10))
			link.SetAttributeString("class", []byte("code-ref"))
			link.AppendChild(link, ast.NewTextSegment(text.NewSegment(start, stop)))
			node = link
		}
		if start > pos {
			out = append(out, ast.NewTextSegment(text.NewSegment(pos, start)))
		}
		out = append(out, node)
		pos = stop
	}
	if len(out) == 0 {
		return
	}
	// The last piece carries the original line-break flags; an empty text
	// node keeps them when the run ended with a reference.
	tail := ast.NewTextSegment(text.NewSegment(pos, seg.Stop))
	tail.SetSoftLineBreak(t.SoftLineBreak())
	tail.SetHardLineBreak(t.HardLineBreak())
	out = append(out, tail)
	parent := t.Parent()
	for _, n := range out {
		parent.InsertBefore(parent, t, n)
	}
	parent.RemoveChild(parent, t)
}

// wordByte reports whether the character before position i is part of a
// word (letters, digits, and the characters of e-mail local parts).
func wordByte(source []byte, i int) bool {
	r, _ := utf8.DecodeLastRune(source[:i])
	return unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._+-\\/", r)
}

func isWordRune(b []byte) bool {
	r, _ := utf8.DecodeRune(b)
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// mentionNode is an @mention of a known team member.
type mentionNode struct {
	ast.BaseInline
	Handle string
	Person Person
}

var kindMention = ast.NewNodeKind("Mention")

func (n *mentionNode) Kind() ast.NodeKind { return kindMention }

func (n *mentionNode) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"Handle": n.Handle}, nil)
}

type mentionRenderer struct{}

func (mentionRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(kindMention, func(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			m := n.(*mentionNode)
			_, _ = w.WriteString(`<span class="mention" title="` + template.HTMLEscapeString(m.Person.Name) + `">@` +
				template.HTMLEscapeString(m.Handle) + `</span>`)
		}
		return ast.WalkContinue, nil
	})
}
