package apitest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"mime"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// compiler turns the YAML tree of the document into operations and schemas.
type compiler struct {
	root      *yaml.Node // the top-level mapping
	spec      *Spec
	responses map[string]*response // by location, for shared $refs
	errs      []error
}

// methods are the keys of a Path Item Object that introduce an operation.
var methods = map[string]bool{
	"get": true, "put": true, "post": true, "delete": true,
	"options": true, "head": true, "patch": true, "trace": true,
}

func parse(doc []byte) (*Spec, error) {
	var top yaml.Node
	if err := yaml.Unmarshal(doc, &top); err != nil {
		return nil, fmt.Errorf("openapi.yaml: %v", err)
	}
	if top.Kind != yaml.DocumentNode || len(top.Content) != 1 || deref(top.Content[0]).Kind != yaml.MappingNode {
		return nil, errors.New("openapi.yaml: the document is not a mapping")
	}
	c := &compiler{
		root: deref(top.Content[0]),
		spec: &Spec{
			ops:     map[string]*operation{},
			schemas: map[string]*schema{},
			ignored: map[string][]string{},
		},
		responses: map[string]*response{},
	}
	c.checkDuplicateKeys(c.root)
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	if v := get(c.root, "openapi"); v == nil || !strings.HasPrefix(v.Value, "3.0.") {
		return nil, errors.New("openapi.yaml: not an OpenAPI 3.0 document")
	}

	paths := get(c.root, "paths")
	if paths == nil || paths.Kind != yaml.MappingNode {
		return nil, errors.New("openapi.yaml: no paths mapping")
	}
	for _, kv := range pairs(paths) {
		path := kv[0].Value
		c.pathItem(path, kv[1], "#/paths/"+escapePointer(path))
	}

	if comps := get(c.root, "components"); comps != nil {
		for _, kv := range pairs(get(comps, "schemas")) {
			c.schemaRef("#/components/schemas/"+escapePointer(kv[0].Value), kv[0])
		}
		for _, kv := range pairs(get(comps, "responses")) {
			c.response(kv[1], "#/components/responses/"+escapePointer(kv[0].Value))
		}
		for _, kv := range pairs(get(comps, "parameters")) {
			c.parameter(kv[1], "#/components/parameters/"+escapePointer(kv[0].Value))
		}
		for _, kv := range pairs(get(comps, "requestBodies")) {
			c.content(kv[1], "#/components/requestBodies/"+escapePointer(kv[0].Value))
		}
		for _, kv := range pairs(get(comps, "headers")) {
			c.parameter(kv[1], "#/components/headers/"+escapePointer(kv[0].Value))
		}
	}

	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	if len(c.spec.ops) == 0 {
		return nil, errors.New("openapi.yaml: no operations")
	}
	return c.spec, nil
}

func (c *compiler) errorf(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	c.errs = append(c.errs, fmt.Errorf("openapi.yaml:%d: %s", line, fmt.Sprintf(format, args...)))
}

func (c *compiler) pathItem(path string, n *yaml.Node, loc string) {
	n, loc = c.follow(n, loc)
	if n == nil {
		return
	}
	if n.Kind != yaml.MappingNode {
		c.errorf(n, "%s: path item is not a mapping", loc)
		return
	}
	for _, p := range items(get(n, "parameters")) {
		c.parameter(p, loc+"/parameters")
	}
	for _, kv := range pairs(n) {
		m := kv[0].Value
		if !methods[m] {
			continue
		}
		opLoc := loc + "/" + m
		op := &operation{method: strings.ToUpper(m), path: path, responses: map[string]*response{}}
		c.spec.ops[op.method+" "+path] = op
		on := kv[1]
		if on.Kind != yaml.MappingNode {
			c.errorf(on, "%s: operation is not a mapping", opLoc)
			continue
		}
		for i, p := range items(get(on, "parameters")) {
			c.parameter(p, opLoc+"/parameters/"+strconv.Itoa(i))
		}
		if rb := get(on, "requestBody"); rb != nil {
			c.content(rb, opLoc+"/requestBody")
		}
		rs := get(on, "responses")
		if rs == nil || rs.Kind != yaml.MappingNode || len(rs.Content) == 0 {
			c.errorf(on, "%s: no responses", opLoc)
			continue
		}
		for _, kv := range pairs(rs) {
			code := kv[0].Value
			if !validStatusKey(code) {
				c.errorf(kv[0], "%s: response key %q is not a status code, a range such as 4XX, or default", opLoc, code)
				continue
			}
			if r := c.response(kv[1], opLoc+"/responses/"+escapePointer(code)); r != nil {
				op.responses[code] = r
			}
		}
	}
}

func validStatusKey(k string) bool {
	if k == "default" {
		return true
	}
	if len(k) != 3 || k[0] < '1' || k[0] > '5' {
		return false
	}
	return k[1:] == "XX" || k[1] >= '0' && k[1] <= '9' && k[2] >= '0' && k[2] <= '9'
}

// response compiles a Response Object (or a $ref to one).
func (c *compiler) response(n *yaml.Node, loc string) *response {
	n, loc = c.follow(n, loc)
	if n == nil {
		return nil
	}
	if r := c.responses[loc]; r != nil {
		return r
	}
	r := &response{loc: loc, content: map[string]*schema{}}
	c.responses[loc] = r
	if n.Kind != yaml.MappingNode {
		c.errorf(n, "%s: response is not a mapping", loc)
		return r
	}
	for mt, s := range c.media(get(n, "content"), loc+"/content") {
		r.content[mt] = s
	}
	for _, kv := range pairs(get(n, "headers")) {
		c.parameter(kv[1], loc+"/headers/"+escapePointer(kv[0].Value))
	}
	return r
}

// content compiles the content of a Request Body Object (or a $ref to one).
func (c *compiler) content(n *yaml.Node, loc string) {
	n, loc = c.follow(n, loc)
	if n != nil {
		c.media(get(n, "content"), loc+"/content")
	}
}

// parameter compiles the schemas of a Parameter or Header Object (or a $ref
// to one).
func (c *compiler) parameter(n *yaml.Node, loc string) {
	n, loc = c.follow(n, loc)
	if n == nil {
		return
	}
	if s := get(n, "schema"); s != nil {
		c.compile(s, loc+"/schema")
	}
	c.media(get(n, "content"), loc+"/content")
}

// media compiles a content mapping: media type to Media Type Object. The
// keys of the result are lower-case media types without parameters.
func (c *compiler) media(n *yaml.Node, loc string) map[string]*schema {
	out := map[string]*schema{}
	for _, kv := range pairs(n) {
		key, mloc := kv[0].Value, loc+"/"+escapePointer(kv[0].Value)
		mt, _, err := mime.ParseMediaType(key)
		if err != nil {
			c.errorf(kv[0], "%s: media type %q: %v", loc, key, err)
			continue
		}
		var s *schema
		if sn := get(kv[1], "schema"); sn != nil {
			s = c.compile(sn, mloc+"/schema")
		}
		out[mt] = s
		if s == nil {
			continue
		}
		if ex := get(kv[1], "example"); ex != nil {
			c.example(s, ex, mloc+"/example")
		}
		for _, e := range pairs(get(kv[1], "examples")) {
			eloc := mloc + "/examples/" + escapePointer(e[0].Value)
			en, eloc := c.follow(e[1], eloc)
			if v := get(en, "value"); v != nil {
				c.example(s, v, eloc+"/value")
			}
		}
	}
	return out
}

func (c *compiler) example(s *schema, n *yaml.Node, loc string) {
	v, err := yamlValue(n)
	if err != nil {
		c.errorf(n, "%s: %v", loc, err)
		return
	}
	c.spec.examples = append(c.spec.examples, example{loc: loc, schema: s, value: v})
}

// follow follows $ref from n until it reaches an object without one. It
// returns nil after recording an error when a $ref does not resolve.
func (c *compiler) follow(n *yaml.Node, loc string) (*yaml.Node, string) {
	n = deref(n)
	for hops := 0; n != nil && n.Kind == yaml.MappingNode; hops++ {
		ref := get(n, "$ref")
		if ref == nil {
			return n, loc
		}
		if hops == 32 {
			c.errorf(ref, "%s: $ref chain too long or circular", loc)
			return nil, loc
		}
		t, err := c.resolve(ref.Value)
		if err != nil {
			c.errorf(ref, "%s: %v", loc, err)
			return nil, loc
		}
		n, loc = t, ref.Value
	}
	return n, loc
}

// resolve finds the node a local $ref ("#/components/schemas/tenant")
// points at.
func (c *compiler) resolve(ref string) (*yaml.Node, error) {
	frag, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, fmt.Errorf("$ref %q is not local to the document", ref)
	}
	frag, err := url.PathUnescape(frag)
	if err != nil {
		return nil, fmt.Errorf("$ref %q: %v", ref, err)
	}
	n := c.root
	if frag == "" {
		return n, nil
	}
	if !strings.HasPrefix(frag, "/") {
		return nil, fmt.Errorf("$ref %q is not a JSON pointer", ref)
	}
	for _, tok := range strings.Split(frag[1:], "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			next = get(n, tok)
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(tok); err == nil && i >= 0 && i < len(n.Content) {
				next = deref(n.Content[i])
			}
		}
		if next == nil {
			return nil, fmt.Errorf("$ref %q does not resolve", ref)
		}
		n = next
	}
	return n, nil
}

// compile compiles the Schema Object n found at loc.
func (c *compiler) compile(n *yaml.Node, loc string) *schema {
	n = deref(n)
	if n.Kind == yaml.MappingNode {
		if ref := get(n, "$ref"); ref != nil {
			if len(n.Content) > 2 {
				c.recordIgnored(n, loc, "$ref")
			}
			return c.schemaRef(ref.Value, ref)
		}
	}
	s := &schema{loc: loc}
	c.fill(s, n)
	return s
}

// schemaRef compiles the schema ref points at, once per location: every
// $ref to it shares the result, which lets schemas refer to themselves.
func (c *compiler) schemaRef(ref string, at *yaml.Node) *schema {
	if s := c.spec.schemas[ref]; s != nil {
		return s
	}
	s := &schema{loc: ref}
	c.spec.schemas[ref] = s
	n, err := c.resolve(ref)
	if err != nil {
		c.errorf(at, "%v", err)
		s.broken = true
		return s
	}
	if n.Kind == yaml.MappingNode {
		if next := get(n, "$ref"); next != nil {
			// A schema that is only a $ref stands for its target.
			if len(n.Content) > 2 {
				c.recordIgnored(n, ref, "$ref")
			}
			s.ref = c.schemaRef(next.Value, next)
			for t, hops := s.ref, 0; t != nil; t, hops = t.ref, hops+1 {
				if t == s || hops > len(c.spec.schemas) {
					c.errorf(next, "%s: circular $ref", ref)
					s.ref, s.broken = nil, true
					break
				}
			}
			return s
		}
	}
	c.fill(s, n)
	return s
}

// recordIgnored records the keywords beside a $ref, which OpenAPI 3.0
// ignores.
func (c *compiler) recordIgnored(n *yaml.Node, loc, except string) {
	for _, kv := range pairs(n) {
		if kv[0].Value != except {
			c.spec.ignored[kv[0].Value] = append(c.spec.ignored[kv[0].Value], loc)
		}
	}
}

// fill compiles the keywords of the Schema Object n into s.
func (c *compiler) fill(s *schema, n *yaml.Node) {
	s.minLength, s.maxLength = -1, -1
	s.minItems, s.maxItems = -1, -1
	s.minProps, s.maxProps = -1, -1
	if n.Kind != yaml.MappingNode {
		c.errorf(n, "%s: schema is not a mapping", s.loc)
		s.broken = true
		return
	}
	loc := s.loc
	for _, kv := range pairs(n) {
		key, v := kv[0].Value, kv[1]
		kloc := loc + "/" + escapePointer(key)
		switch key {
		case "type":
			switch v.Value {
			case "object", "array", "string", "integer", "number", "boolean":
				if v.Kind == yaml.ScalarNode {
					s.typ = v.Value
					continue
				}
			}
			c.errorf(v, "%s: type must be one of object, array, string, integer, number, boolean", kloc)
		case "nullable":
			s.nullable = c.boolean(v, kloc)
		case "uniqueItems":
			s.uniqueItems = c.boolean(v, kloc)
		case "exclusiveMinimum":
			s.exclMin = c.boolean(v, kloc)
		case "exclusiveMaximum":
			s.exclMax = c.boolean(v, kloc)
		case "required":
			for _, r := range items(v) {
				if r.Kind != yaml.ScalarNode || r.ShortTag() != "!!str" {
					c.errorf(r, "%s: required lists a non-string", kloc)
					continue
				}
				s.required = append(s.required, r.Value)
			}
			if v.Kind != yaml.SequenceNode {
				c.errorf(v, "%s: required is not a list", kloc)
			}
		case "properties":
			if v.Kind != yaml.MappingNode {
				c.errorf(v, "%s: properties is not a mapping", kloc)
				continue
			}
			s.props = map[string]*schema{}
			for _, p := range pairs(v) {
				s.props[p[0].Value] = c.compile(p[1], kloc+"/"+escapePointer(p[0].Value))
			}
		case "additionalProperties":
			if v.Kind == yaml.ScalarNode {
				s.noAdditional = !c.boolean(v, kloc)
			} else {
				s.additional = c.compile(v, kloc)
			}
		case "items":
			s.items = c.compile(v, kloc)
		case "not":
			s.not = c.compile(v, kloc)
		case "oneOf", "anyOf", "allOf":
			if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
				c.errorf(v, "%s: %s must be a non-empty list of schemas", kloc, key)
				continue
			}
			var subs []*schema
			for i, e := range items(v) {
				subs = append(subs, c.compile(e, kloc+"/"+strconv.Itoa(i)))
			}
			switch key {
			case "oneOf":
				s.oneOf = subs
			case "anyOf":
				s.anyOf = subs
			default:
				s.allOf = subs
			}
		case "enum":
			if v.Kind != yaml.SequenceNode {
				c.errorf(v, "%s: enum is not a list", kloc)
				continue
			}
			s.hasEnum = true
			for _, e := range items(v) {
				ev, err := yamlValue(e)
				if err != nil {
					c.errorf(e, "%s: %v", kloc, err)
					continue
				}
				s.enum = append(s.enum, ev)
			}
		case "pattern":
			if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str" {
				c.errorf(v, "%s: pattern is not a string", kloc)
				continue
			}
			re, err := regexp.Compile(v.Value)
			if err != nil {
				c.errorf(v, "%s: pattern %q does not compile as a Go regular expression: %v", kloc, v.Value, err)
				continue
			}
			s.pattern = re
		case "format":
			s.format = v.Value
		case "minLength":
			s.minLength = c.count(v, kloc)
		case "maxLength":
			s.maxLength = c.count(v, kloc)
		case "minItems":
			s.minItems = c.count(v, kloc)
		case "maxItems":
			s.maxItems = c.count(v, kloc)
		case "minProperties":
			s.minProps = c.count(v, kloc)
		case "maxProperties":
			s.maxProps = c.count(v, kloc)
		case "minimum":
			s.minimum = c.number(v, kloc)
		case "maximum":
			s.maximum = c.number(v, kloc)
		case "multipleOf":
			s.multipleOf = c.number(v, kloc)
			if s.multipleOf != nil && s.multipleOf.Sign() <= 0 {
				c.errorf(v, "%s: multipleOf must be positive", kloc)
				s.multipleOf = nil
			}
		case "example":
			c.example(s, v, kloc)
			c.spec.ignored[key] = append(c.spec.ignored[key], loc)
		default:
			c.spec.ignored[key] = append(c.spec.ignored[key], loc)
		}
	}
}

func (c *compiler) boolean(n *yaml.Node, loc string) bool {
	var b bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
		c.errorf(n, "%s: want true or false, got %q", loc, n.Value)
	}
	return b
}

func (c *compiler) count(n *yaml.Node, loc string) int {
	var i int
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil || i < 0 {
		c.errorf(n, "%s: want a non-negative integer, got %q", loc, n.Value)
		return -1
	}
	return i
}

func (c *compiler) number(n *yaml.Node, loc string) *big.Rat {
	v, err := yamlValue(n)
	if err == nil {
		if num, ok := v.(json.Number); ok {
			if r, ok := rat(num); ok {
				return r
			}
		}
	}
	c.errorf(n, "%s: want a number, got %q", loc, n.Value)
	return nil
}

// checkDuplicateKeys records an error for each mapping that repeats a key.
func (c *compiler) checkDuplicateKeys(n *yaml.Node) {
	if n == nil || n.Kind == yaml.AliasNode {
		return
	}
	if n.Kind == yaml.MappingNode {
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind == yaml.ScalarNode {
				if seen[k.Value] {
					c.errorf(k, "key %q repeated in its mapping", k.Value)
				}
				seen[k.Value] = true
			}
		}
	}
	for _, e := range n.Content {
		c.checkDuplicateKeys(e)
	}
}

// deref resolves a YAML alias.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// get returns the value of key in mapping n, or nil.
func get(n *yaml.Node, key string) *yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return deref(n.Content[i+1])
		}
	}
	return nil
}

// pairs returns the key and value nodes of mapping n.
func pairs(n *yaml.Node) [][2]*yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	var out [][2]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, [2]*yaml.Node{n.Content[i], deref(n.Content[i+1])})
	}
	return out
}

// items returns the elements of sequence n.
func items(n *yaml.Node) []*yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, e := range n.Content {
		out[i] = deref(e)
	}
	return out
}

// yamlValue converts a YAML node to the representation of decoded JSON.
func yamlValue(n *yaml.Node) (any, error) {
	n = deref(n)
	switch n.Kind {
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			err := n.Decode(&b)
			return b, err
		case "!!int":
			var i big.Int
			var x any
			if err := n.Decode(&x); err != nil {
				return nil, err
			}
			if _, ok := i.SetString(fmt.Sprint(x), 10); !ok {
				return nil, fmt.Errorf("integer %q out of range", n.Value)
			}
			return json.Number(i.String()), nil
		case "!!float":
			var f float64
			if err := n.Decode(&f); err != nil {
				return nil, err
			}
			s := strconv.FormatFloat(f, 'g', -1, 64)
			if _, ok := new(big.Rat).SetString(s); !ok {
				return nil, fmt.Errorf("%q is not a JSON number", n.Value)
			}
			return json.Number(s), nil
		default:
			return n.Value, nil
		}
	case yaml.SequenceNode:
		a := []any{}
		for _, e := range n.Content {
			v, err := yamlValue(e)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		return a, nil
	case yaml.MappingNode:
		o := &object{vals: map[string]any{}}
		for _, kv := range pairs(n) {
			v, err := yamlValue(kv[1])
			if err != nil {
				return nil, err
			}
			if _, dup := o.vals[kv[0].Value]; !dup {
				o.keys = append(o.keys, kv[0].Value)
			}
			o.vals[kv[0].Value] = v
		}
		return o, nil
	}
	return nil, fmt.Errorf("unsupported YAML node at line %d", n.Line)
}
