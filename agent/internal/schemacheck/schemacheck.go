// Package schemacheck checks JSON values against contracts/agent-protocol.schema.json,
// for the tests of the packages that produce its messages. It implements only the
// keywords that schema uses (type, const, enum, required, properties,
// additionalProperties, items, $ref) and refuses any other, so the schema cannot
// grow a rule nobody checks.
package schemacheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// Schema is the loaded contract schema.
type Schema struct {
	root map[string]any
}

// Load reads the contract schema from the repository.
func Load() (*Schema, error) {
	_, here, _, _ := runtime.Caller(0)
	raw, err := os.ReadFile(filepath.Join(filepath.Dir(here), "../../../contracts/agent-protocol.schema.json"))
	if err != nil {
		return nil, err
	}
	var root map[string]any
	if err := decode(raw, &root); err != nil {
		return nil, fmt.Errorf("agent-protocol.schema.json: %w", err)
	}
	return &Schema{root: root}, nil
}

// Def is the schema of one message ("agent-to-host.ready"), nil if unknown.
func (s *Schema) Def(name string) map[string]any {
	defs, _ := s.root["$defs"].(map[string]any)
	def, _ := defs[name].(map[string]any)
	return def
}

// Check validates v (any value that marshals to JSON) against the message
// name. Strict: every object field in v must also be listed in the schema,
// which is how a sender's test notices a field the contract does not describe.
func (s *Schema) Check(name string, v any) error {
	def := s.Def(name)
	if def == nil {
		return fmt.Errorf("the schema has no message %q", name)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var value any
	if err := decode(raw, &value); err != nil {
		return err
	}
	var problems []string
	s.check(def, value, name, &problems)
	if len(problems) > 0 {
		return fmt.Errorf("%s: %s", raw, strings.Join(problems, "; "))
	}
	return nil
}

func decode(raw []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	return d.Decode(v)
}

func (s *Schema) check(schema map[string]any, v any, at string, problems *[]string) {
	fail := func(format string, args ...any) { *problems = append(*problems, at+": "+fmt.Sprintf(format, args...)) }
	keys := make([]string, 0, len(schema))
	for k := range schema {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		rule := schema[k]
		switch k {
		case "description", "title", "$schema", "$id", "$defs":
		case "$ref":
			ref, _ := rule.(string)
			name, ok := strings.CutPrefix(ref, "#/$defs/")
			if !ok || s.Def(name) == nil {
				fail("unresolvable $ref %q", ref)
				continue
			}
			s.check(s.Def(name), v, at, problems)
		case "type":
			types, ok := rule.([]any)
			if !ok {
				types = []any{rule}
			}
			if !anyType(types, v) {
				fail("is %s, want %v", kind(v), rule)
			}
		case "const":
			if !sameJSON(rule, v) {
				fail("is %v, want %v", v, rule)
			}
		case "enum":
			found := false
			for _, option := range rule.([]any) {
				found = found || sameJSON(option, v)
			}
			if !found {
				fail("is %v, want one of %v", v, rule)
			}
		case "required":
			if obj, ok := v.(map[string]any); ok {
				for _, field := range rule.([]any) {
					if _, present := obj[field.(string)]; !present {
						fail("lacks required %q", field)
					}
				}
			}
		case "properties", "additionalProperties":
			obj, ok := v.(map[string]any)
			if !ok || k == "additionalProperties" && schema["properties"] != nil {
				continue // properties handles both
			}
			props, _ := schema["properties"].(map[string]any)
			extra, _ := schema["additionalProperties"].(map[string]any)
			for field, fv := range obj {
				switch sub, listed := props[field].(map[string]any); {
				case listed:
					s.check(sub, fv, at+"."+field, problems)
				case extra != nil:
					s.check(extra, fv, at+"."+field, problems)
				default:
					fail("has %q, which the schema does not list", field)
				}
			}
		case "items":
			if arr, ok := v.([]any); ok {
				for i, item := range arr {
					s.check(rule.(map[string]any), item, fmt.Sprintf("%s[%d]", at, i), problems)
				}
			}
		default:
			fail("the schema uses %q, which this checker does not implement", k)
		}
	}
}

func kind(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return "integer"
		}
		return "number"
	}
	return fmt.Sprintf("%T", v)
}

func anyType(types []any, v any) bool {
	k := kind(v)
	for _, t := range types {
		if t == k || t == "number" && k == "integer" {
			return true
		}
	}
	return false
}

func sameJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}
