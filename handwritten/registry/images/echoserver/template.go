package echoserver

import (
	"fmt"
	"strings"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// say14 is 1.4's content_by_lua: one string per ngx.say (each a chunk),
// the body last with ngx.print.
func say14(r request, s server) []string {
	query := "nil" // ngx.say prints a nil argument as "nil"
	if r.queryOK {
		query = r.query
	}
	out := []string{
		"CLIENT VALUES:\n",
		"client_address=" + r.remoteAddr + "\n",
		"command=" + r.method + "\n",
		"real path=" + r.requestURI + "\n",
		"query=" + query + "\n",
		"request_version=" + r.version + "\n",
		fmt.Sprintf("request_uri=http://%s:%d%s\n", r.host, port, r.requestURI),
		"\n",
		"SERVER VALUES:\n",
		"server_version=nginx: " + s.nginx + " - lua: " + s.lua + "\n",
		"\n",
		"HEADERS RECEIVED:\n",
	}
	for _, k := range r.keys {
		// A table argument of ngx.say is its elements, concatenated.
		out = append(out, k+"="+strings.Join(r.headers[k], "")+"\n")
	}
	out = append(out, "BODY:\n")
	if r.bodyOK {
		out = append(out, r.body)
	} else {
		out = append(out, "-no body in request-")
	}
	return out
}

// tableAddress stands for tostring() of a Lua table (a header sent twice).
const tableAddress = "table: 0x40e3a1c8"

// render110 is 1.10's template rendered: lua-resty-template drops the
// newline after each {% %} tag, and {{ }} escapes & < > " '.
func render110(r request, s server, p *registry.Process) string {
	env := func(k string) string {
		if v, ok := p.LookupEnv(k); ok {
			return v
		}
		return "N/A"
	}
	var b strings.Builder
	b.WriteString("\n\nHostname: " + escape(env("HOSTNAME")) + "\n\nPod Information:\n")
	if _, ok := p.LookupEnv("POD_NAME"); ok {
		b.WriteString("\tnode name:\t" + escape(env("NODE_NAME")) + "\n")
		b.WriteString("\tpod name:\t" + escape(env("POD_NAME")) + "\n")
		b.WriteString("\tpod namespace:\t" + escape(env("POD_NAMESPACE")) + "\n")
		b.WriteString("\tpod IP:\t" + escape(env("POD_IP")) + "\n")
	} else {
		b.WriteString("\t-no pod information available-\n")
	}
	b.WriteString("\nServer values:\n\tserver_version=nginx: " + s.nginx + " - lua: " + s.lua + "\n")
	b.WriteString("\nRequest Information:\n")
	b.WriteString("\tclient_address=" + escape(r.remoteAddr) + "\n")
	b.WriteString("\tmethod=" + escape(r.method) + "\n")
	b.WriteString("\treal path=" + escape(r.requestURI) + "\n")
	b.WriteString("\tquery=" + escape(r.query) + "\n")
	b.WriteString("\trequest_version=" + r.version + "\n")
	b.WriteString("\trequest_scheme=http\n")
	b.WriteString(fmt.Sprintf("\trequest_uri=%s\n", escape(fmt.Sprintf("http://%s:%d%s", r.host, port, r.requestURI))))
	b.WriteString("\nRequest Headers:\n")
	for _, k := range r.keys {
		v := tableAddress
		if vs := r.headers[k]; len(vs) == 1 {
			v = escape(vs[0])
		}
		b.WriteString("\t" + escape(k) + "=" + v + "\n")
	}
	b.WriteString("\nRequest Body:\n")
	if r.bodyOK {
		b.WriteString(escape(r.body))
	} else {
		b.WriteString("\t-no body in request-")
	}
	b.WriteString("\n")
	return b.String()
}

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

func escape(s string) string { return escaper.Replace(s) }
