// The Node built-ins client-node imports but calls only on paths a page does not take: fs
// and path (kubeconfig files, file-based tokens, cp), child_process (exec credential
// plugins), net, tls and dns (proxy agents, IP checks), querystring (exec, attach,
// port-forward URLs), readline (Watch), stream (exec, attach, cp). Each is this empty module
// in the client-node test bundle (build.mjs).
module.exports = {};
