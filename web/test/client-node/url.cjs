// 'url' in the client-node test bundle: the npm url package (Node's legacy url.parse and
// url.format, which https-browserify calls) plus the WHATWG classes Node's 'url' also
// exports and url@0.11 does not. client-node's gen/http/http.js does
// `import { URL } from 'url'` and makes one for every request (RequestContext).
module.exports = { ...require('url/'), URL: globalThis.URL, URLSearchParams: globalThis.URLSearchParams };
