package harness

import "testing"

func TestNormalize(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"uid and rv in yaml",
			"  resourceVersion: \"12345\"\n  uid: 0b0e2f4c-8a7d-4a51-9e0f-3f2d9c1b7a6e\n",
			"  resourceVersion: \"<rv>\"\n  uid: <uid>\n"},
		{"rv in json and query", `{"resourceVersion":"77"} ?resourceVersion=12&watch=true`, `{"resourceVersion":"<rv>"} ?resourceVersion=<rv>&watch=true`},
		{"times", "creationTimestamp: \"2026-11-25T22:11:22Z\" at 2026-11-25T22:11:22.043385+00:00 Tue, 25 Nov 2026 22:11:22 +0000",
			"creationTimestamp: \"<time>\" at <time> <time>"},
		{"kubectl diff headers", "--- /tmp/LIVE-4101806732/v1.ConfigMap.ns.c\t2026-11-25 22:44:47.208322634 +0000", "--- /tmp/LIVE-<n>/v1.ConfigMap.ns.c\t<time>"},
		{"ips", "ClusterIP 10.96.12.7, server https://127.0.0.1:38923/api", "ClusterIP <ip>, server https://<ip>:<port>/api"},
		{"generated names", "pod/web-774b67d68d-x7k2p rs-bz9kq j-0-abcdz", "pod/web-774b67d68d-<rand> rs-<rand> j-0-abcdz"},
		{"hashes are kept", "replicaset.apps/web-774b67d68d db-559c55f6bb", "replicaset.apps/web-774b67d68d db-559c55f6bb"},
		{"words with vowels are kept", "kube-proxy node-1 data-db-0", "kube-proxy node-1 data-db-0"},
		{"event names", "web.187b3c9a1f2e4d5c", "web.<hex>"},
		{"cronjob jobs", "job.batch/every-minute-29410345", "job.batch/every-minute-<minutes>"},
		{"quantities are not ages", "cpu: 500m memory: 64Mi 10s", "cpu: 500m memory: 64Mi 10s"},
		{"get table with age",
			"NAME               DATA   AGE\napp-config         2      5s\nkube-root-ca.crt   1      2m10s\n",
			"NAME               DATA   AGE\napp-config         2      <age>\nkube-root-ca.crt   1      <age>\n"},
		{"age column in the middle narrows",
			"NAME   STATUS    COMPLETIONS   DURATION   AGE\nj      Running   0/4           3s         3s\n",
			"NAME   STATUS    COMPLETIONS   DURATION   AGE\nj      Running   0/4           <age>      <age>\n"},
		{"empty cells",
			"NAME     REQUEST                         LIMIT   AGE\ncounts   configmaps: 2/2, secrets: 1/1           2s\n",
			"NAME     REQUEST                         LIMIT   AGE\ncounts   configmaps: 2/2, secrets: 1/1           <age>\n"},
		{"describe events",
			"Events:\n  Type    Reason             Age   From                   Message\n  ----    ------             ----  ----                   -------\n  Normal  ScalingReplicaSet  12s   deployment-controller  Scaled up replica set web-774b67d68d from 0 to 2\n",
			"Events:\n  Type    Reason             Age    From                   Message\n  ----    ------             ----   ----                   -------\n  Normal  ScalingReplicaSet  <age>  deployment-controller  Scaled up replica set web-774b67d68d from 0 to 2\n"},
		{"watch rows wider than the header row",
			"EVENT   NAME   DATA   AGE\nADDED   c      1      0s\nMODIFIED   c   1   1s\n",
			"EVENT      NAME   DATA   AGE\nADDED      c      1      <age>\nMODIFIED   c      1      <age>\n"},
		{"tables without ages are untouched", "NAME   READY\nweb    0/2\n", "NAME   READY\nweb    0/2\n"},
	} {
		if got := Normalize(c.in); got != c.want {
			t.Errorf("%s:\n in: %q\ngot: %q\nwant %q", c.name, c.in, got, c.want)
		}
	}
}
