package importer

import (
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"policytracker/models"
)

// parseYAML reads a list of recommendations shaped like seed/catalog.yaml.
// It walks the document's nodes so that each problem has the line of the
// field it is about.
func parseYAML(data []byte) ([]models.ImportRow, []models.ImportProblem, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, fmt.Errorf("not valid YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(doc.Content) == 0 {
		return nil, nil, errors.New("the file is empty")
	}
	root := doc.Content[0]
	if root.Kind != yaml.SequenceNode {
		return nil, nil, fmt.Errorf("line %d: the file must be a list of recommendations (\"- code: R-01 …\")", root.Line)
	}
	var rows []models.ImportRow
	var problems []models.ImportProblem
	for _, item := range root.Content {
		if item.Kind != yaml.MappingNode {
			problems = append(problems, models.ImportProblem{Line: item.Line, Msg: "each item must be a mapping of fields (code, title, …)"})
			continue
		}
		var e entry
		var local []models.ImportProblem
		add := func(line int, field, msg string) {
			local = append(local, models.ImportProblem{Line: line, Field: field, Msg: msg})
		}
		for i := 0; i+1 < len(item.Content); i += 2 {
			key, val := item.Content[i], item.Content[i+1]
			known, err := e.assign(key.Value, val.Decode, func() (*[]source, error) { return yamlSources(val, add) })
			switch {
			case !known:
				add(key.Line, key.Value, "unknown field")
			case err != nil:
				add(key.Line, key.Value, typeProblem(err))
			}
		}
		for i := range local {
			local[i].Code = e.Code
		}
		problems = append(problems, local...)
		rows = append(rows, e.row(item.Line, &problems))
	}
	return rows, problems, nil
}

func yamlSources(val *yaml.Node, add func(line int, field, msg string)) (*[]source, error) {
	if val.Kind != yaml.SequenceNode {
		return nil, errors.New("must be a list")
	}
	out := []source{}
	for i, n := range val.Content {
		if n.Kind != yaml.MappingNode {
			add(n.Line, sourceField(i, ""), "must be a mapping (chapter, page, quote…)")
			continue
		}
		fields := map[string]*yaml.Node{}
		var keys []string
		lines := map[string]int{}
		for j := 0; j+1 < len(n.Content); j += 2 {
			k := n.Content[j].Value
			fields[k], lines[k] = n.Content[j+1], n.Content[j].Line
			keys = append(keys, k)
		}
		s := decodeSource(keys, func(k string, v any) error { return fields[k].Decode(v) },
			func(k, msg string) { add(lines[k], sourceField(i, k), msg) })
		out = append(out, s)
	}
	return &out, nil
}
