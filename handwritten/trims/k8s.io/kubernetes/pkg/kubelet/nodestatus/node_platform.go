package nodestatus

import "k8s.io/kubernetes/pkg/kubelet/lifecycle"

// nodeOS and nodeArch stand where upstream names runtime.GOOS and
// runtime.GOARCH for the node's platform: see lifecycle.NodeOS.
var nodeOS, nodeArch = lifecycle.NodeOS, lifecycle.NodeArch
