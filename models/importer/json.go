package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"policytracker/models"
)

// parseJSON reads a list of recommendation objects, or a JSON export of
// this tool ({"schema_version": 1, …, "recommendations": [...]}), whose
// computed fields (notes, evidence, counts…) are ignored.
func parseJSON(data []byte) ([]models.ImportRow, []models.ImportProblem, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, jsonError(data, dec, err)
	}
	switch tok {
	case json.Delim('['):
	case json.Delim('{'):
		if err := seekRecommendations(dec); err != nil {
			return nil, nil, jsonError(data, dec, err)
		}
	default:
		return nil, nil, errors.New("the file must be a JSON list of recommendations or a JSON export")
	}
	var rows []models.ImportRow
	var problems []models.ImportProblem
	for dec.More() {
		line := lineAt(data, skipSpace(data, dec.InputOffset()))
		var fields map[string]json.RawMessage
		if err := dec.Decode(&fields); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				problems = append(problems, models.ImportProblem{Line: line, Msg: "each item must be an object of fields (code, title, …)"})
				continue
			}
			return nil, nil, jsonError(data, dec, err)
		}
		var e entry
		var local []models.ImportProblem
		for _, k := range sortedKeys(fields) {
			raw := fields[k]
			dec := func(v any) error { return json.Unmarshal(raw, v) }
			known, err := e.assign(k, dec, func() (*[]source, error) { return jsonSources(raw, line, &local) })
			switch {
			case !known && !readOnlyKeys[k]:
				local = append(local, models.ImportProblem{Line: line, Field: k, Msg: "unknown field"})
			case err != nil:
				local = append(local, models.ImportProblem{Line: line, Field: k, Msg: typeProblem(err)})
			}
		}
		for i := range local {
			local[i].Code = e.Code
		}
		problems = append(problems, local...)
		rows = append(rows, e.row(line, &problems))
	}
	return rows, problems, nil
}

// seekRecommendations moves the decoder into the export's list of items,
// checking the schema version on the way.
func seekRecommendations(dec *json.Decoder) error {
	version := -1
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := t.(string)
		switch key {
		case "schema_version":
			if err := dec.Decode(&version); err != nil {
				return err
			}
			if version != 1 {
				return fmt.Errorf("schema_version %d is not supported (this version reads 1)", version)
			}
		case "recommendations":
			t, err := dec.Token()
			if err != nil {
				return err
			}
			if t != json.Delim('[') {
				return errors.New(`"recommendations" must be a list`)
			}
			return nil
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
		}
	}
	return errors.New(`the object has no "recommendations" list (is it a JSON export of Policy Tracker?)`)
}

func jsonSources(raw json.RawMessage, line int, problems *[]models.ImportProblem) (*[]source, error) {
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, errors.New("must be a list of objects (chapter, page, quote…)")
	}
	out := []source{}
	for i, fields := range items {
		s := decodeSource(sortedKeys(fields), func(k string, v any) error { return json.Unmarshal(fields[k], v) },
			func(k, msg string) {
				*problems = append(*problems, models.ImportProblem{Line: line, Field: sourceField(i, k), Msg: msg})
			})
		out = append(out, s)
	}
	return &out, nil
}

func jsonError(data []byte, dec *json.Decoder, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("not valid JSON: line %d: %v", lineAt(data, int(se.Offset)), se)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("not valid JSON: the file ends too early")
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("line %d: %s %s", lineAt(data, int(dec.InputOffset())), te.Field, typeProblem(err))
	}
	return err
}

// skipSpace moves past whitespace and the comma between list items, to
// where the next item starts.
func skipSpace(data []byte, off int64) int {
	i := int(off)
	for i < len(data) && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t' || data[i] == ',') {
		i++
	}
	return i
}

func lineAt(data []byte, off int) int {
	if off > len(data) {
		off = len(data)
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sortStrings(out)
	return out
}
