package markdown_test

import (
	"reflect"
	"strings"
	"testing"

	"policytracker/models/markdown"
)

var dir = &markdown.Directory{
	Handles: map[string]markdown.Person{
		"ada":   {ID: 1, Name: "Ada Lovelace"},
		"grace": {ID: 2, Name: "Grace <Hopper>"},
	},
	Codes: map[string]int64{"R-07": 7, "R-12": 12},
}

// Whatever a note holds, nothing that runs script or loads foreign content
// survives, while the harmless formatting stays.
func TestRenderRemovesEverythingThatCouldRunScript(t *testing.T) {
	cases := []struct {
		name     string
		src      string
		mustNot  []string
		mustHave []string
	}{
		{"script tag is dropped", "hello <script>alert(1)</script> there", []string{"<script", "alert(1)</script"}, []string{"hello"}},
		{"raw html block is dropped", "<div onclick=\"x()\">boo</div>", []string{"<div", "onclick"}, nil},
		{"event attribute on inline html is dropped", "a <img src=x onerror=alert(1)> b", []string{"onerror", "<img"}, []string{"a", "b"}},
		{"javascript link loses its href", "[click](javascript:alert(1))", []string{"javascript:"}, []string{"click"}},
		{"entity-encoded javascript link loses its href", "[x](&#106;avascript:alert(1))", []string{"javascript", "avascript:alert"}, []string{">x<"}},
		{"upper-case javascript link loses its href", "[x](JAVASCRIPT:alert(1))", []string{"JAVASCRIPT:", "href"}, nil},
		{"data url image is dropped", "![p](data:image/svg+xml;base64,PHN2Zz4=)", []string{"data:"}, nil},
		{"data url link is dropped", "[p](data:text/html,<script>alert(1)</script>)", []string{"data:", "<script"}, nil},
		{"iframe is dropped", "<iframe src=\"https://evil.example\"></iframe>", []string{"<iframe"}, nil},
		{"style attribute is dropped", "<span style=\"position:fixed\">x</span>", []string{"style=", "<span"}, nil},
		{"autolinked javascript is not a link", "<javascript:alert(1)>", []string{"href=\"javascript"}, nil},
		{"markdown formatting stays", "**bold** and _it_ and `code`", nil, []string{"<strong>bold</strong>", "<em>it</em>", "<code>code</code>"}},
		{"http links stay, marked nofollow", "[site](https://example.org/a)", nil, []string{`href="https://example.org/a"`, `rel="nofollow"`}},
		{"a class cannot be smuggled in", "<a class=\"mention\" href=\"/x\">y</a>", []string{`class="mention"`}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := string(markdown.Render(c.src, dir))
			for _, bad := range c.mustNot {
				if strings.Contains(strings.ToLower(got), strings.ToLower(bad)) {
					t.Errorf("output holds %q:\n%s", bad, got)
				}
			}
			for _, good := range c.mustHave {
				if !strings.Contains(got, good) {
					t.Errorf("output lacks %q:\n%s", good, got)
				}
			}
		})
	}
}

func TestRenderMarksMentionsAndLinksCodes(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string
		wantNot   []string
	}{
		{"known handle is marked", "thanks @ada!", []string{`<span class="mention" title="Ada Lovelace">@ada</span>!`}, nil},
		{"handle is case-insensitive", "@ADA please", []string{`<span class="mention" title="Ada Lovelace">@ADA</span>`}, nil},
		{"trailing full stop is not part of the handle", "ask @grace.", []string{`@grace</span>.`}, []string{"<Hopper>"}},
		{"unknown handle stays text", "hi @nobody", []string{"hi @nobody"}, []string{"mention"}},
		{"e-mail address is not a mention", "write to ada@example.org", nil, []string{`class="mention"`}},
		{"mention in code is not marked", "`@ada`", []string{"<code>@ada</code>"}, []string{`class="mention"`}},
		{"known code links to its item", "see R-07 and R-12.", []string{`<a href="/recommendations/7" class="code-ref" rel="nofollow">R-07</a>`, `href="/recommendations/12"`}, nil},
		{"unknown code stays text", "see R-99", []string{"see R-99"}, []string{"<a"}},
		{"code inside a word is not linked", "XR-07 and R-070", nil, []string{"<a"}},
		{"code inside a link is not linked twice", "[about R-07](https://example.org)", []string{`<a href="https://example.org" rel="nofollow">about R-07</a>`}, []string{"/recommendations/7"}},
		{"line breaks survive a trailing reference", "ping @ada\nnext line", []string{"@ada</span><br>\nnext line"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := string(markdown.Render(c.src, dir))
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
			for _, w := range c.wantNot {
				if strings.Contains(got, w) {
					t.Errorf("output holds %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestMentionsListsEachPersonOnceOutsideCode(t *testing.T) {
	got := markdown.Mentions("@grace and @ada, again @Ada; not `@grace` nor x@ada.org", dir)
	if want := []int64{2, 1}; !reflect.DeepEqual(got, want) {
		t.Fatalf("mentions = %v, want %v", got, want)
	}
	if got := markdown.Mentions("nobody here", dir); len(got) != 0 {
		t.Fatalf("mentions = %v, want none", got)
	}
}
