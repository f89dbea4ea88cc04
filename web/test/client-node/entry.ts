// @kubernetes/client-node 1.4.0 on the page, every request through the cluster's fetch():
// the test bundle test/client-node/build.mjs makes of this (window.clientNode), used by
// test/browser.test.mjs. Only the public API: a generated API client (CoreV1Api) over a
// Configuration whose HTTP library is cluster.fetch. The library's Watch is not usable here
// (it calls node-fetch and reads a Node stream itself; see build.mjs).

import {
  ApiException,
  CoreV1Api,
  createConfiguration,
  KubeConfig,
  ResponseContext,
  ServerConfiguration,
  wrapHttpLibrary,
  type RequestContext,
} from '@kubernetes/client-node';
import type { Cluster } from '../../src/webernetes';

export { ApiException };

/** One request client-node made, as cluster.fetch answered it. */
export interface Sent {
  method: string;
  path: string; // path and query
  status: number;
  contentType: string | null;
}

/** The apiserver as cluster.fetch reaches it (as a pod does), with the administrator's credentials. */
export const SERVER = 'https://kubernetes.default.svc';

/**
 * A CoreV1Api whose every request is cluster.fetch(url, init), and the requests it sent.
 * kubeconfig: the cluster's own (/root/.kube/config), whose credentials client-node applies
 * as with any cluster; its server is the in-process apiserver's address, which only Go
 * reaches, so requests go to SERVER instead.
 */
export function connect(cluster: Pick<Cluster, 'fetch'>, kubeconfig: string): { core: CoreV1Api; kc: KubeConfig; sent: Sent[] } {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  const sent: Sent[] = [];
  const httpApi = wrapHttpLibrary({
    async send(ctx: RequestContext): Promise<ResponseContext> {
      const body = ctx.getBody();
      if (body !== undefined && typeof body !== 'string') throw new Error('cluster.fetch sends text bodies only');
      const res = await cluster.fetch(ctx.getUrl(), { method: ctx.getHttpMethod(), headers: ctx.getHeaders(), body });
      // The generated client picks its parser by the response's content-type: a JSON body
      // labelled text/plain is kept as a string and deserialized into an empty object, with
      // no error (a list's items are then undefined). cluster.fetch passes the apiserver's own
      // headers through (application/json), so they are handed on as they are, keys in
      // lower case as client-node reads them (Headers iterates them so); a Response made
      // from the text alone (`new Response(text)`) would say text/plain.
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => (headers[k] = v));
      const text = await res.text();
      const url = new URL(ctx.getUrl());
      sent.push({ method: ctx.getHttpMethod(), path: url.pathname + url.search, status: res.status, contentType: res.headers.get('content-type') });
      return new ResponseContext(res.status, headers, {
        text: async () => text,
        binary: async () => Buffer.from(text, 'utf8'),
      });
    },
  });
  const config = createConfiguration({
    baseServer: new ServerConfiguration(SERVER, {}),
    // As kc.makeApiClient() does. kc applies its user's credentials to each request: this
    // kubeconfig's are a client certificate, which kc puts in an https.Agent that this HTTP
    // library has no use for (cluster.fetch speaks as the administrator).
    authMethods: { default: kc },
    httpApi,
  });
  return { core: new CoreV1Api(config), kc, sent };
}
