// Package views holds the HTML templates and static assets, embedded so the
// binary carries everything it serves.
package views

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Static is the static asset tree (css, icons, the small progressive
// enhancement script), served under /static/.
func Static() fs.FS {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder exists
	}
	return sub
}

// Parse builds one template set per page: the layout and partials (files
// starting with "_") plus the page itself. Parsing everything at start-up
// makes a template error a start-up error, not a 500 later.
func Parse(funcs template.FuncMap) (map[string]*template.Template, error) {
	entries, err := fs.ReadDir(templateFS, "templates")
	if err != nil {
		return nil, err
	}
	var shared, pages []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, "_") {
			shared = append(shared, "templates/"+name)
		} else {
			pages = append(pages, "templates/"+name)
		}
	}
	base, err := template.New("").Funcs(funcs).ParseFS(templateFS, shared...)
	if err != nil {
		return nil, fmt.Errorf("views: parse layout: %w", err)
	}
	out := map[string]*template.Template{}
	for _, p := range pages {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(templateFS, p); err != nil {
			return nil, fmt.Errorf("views: parse %s: %w", p, err)
		}
		out[strings.TrimSuffix(path.Base(p), ".html")] = t
	}
	return out, nil
}
