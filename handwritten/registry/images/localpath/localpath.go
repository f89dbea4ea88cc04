// Package localpath is the image docker.io/rancher/local-path-provisioner
// as a work-alike: the dynamic provisioner kind deploys as its default
// StorageClass `standard`. It runs as a pod and provisions with
// sigs.k8s.io/sig-storage-lib-external-provisioner's ProvisionController
// (claims, volumes, events and retries are the library's), making
// each volume a directory on the node the claim's first consumer is
// scheduled to:
//
//   - a claim's volume is <path>/<pv>_<namespace>_<claim>, where <path>
//     is the node's path in config.json's nodePathMap (the entry of the
//     node, or DEFAULT_PATH_FOR_NON_LISTED_NODES);
//   - the directory is made, and removed when the volume is deleted, by a
//     helper pod on that node (helper-pod-create-<pv> and
//     helper-pod-delete-<pv>, from helperPod.yaml) running the setup or
//     teardown script with VOL_DIR, VOL_MODE and VOL_SIZE_BYTES, with the
//     node path mounted as a hostPath volume;
//   - the volume is a hostPath PersistentVolume (type DirectoryOrCreate)
//     with node affinity to that node's kubernetes.io/hostname.
//
// Its configuration is the ConfigMap kind mounts at /etc/config
// (config.json, helperPod.yaml, setup, teardown). Only
// ReadWriteOnce and ReadWriteOncePod claims without a selector, on a
// WaitForFirstConsumer class, are provisioned, as upstream's provisioner
// does for node-local paths; a claim larger than the node's disk (its
// ephemeral-storage capacity) fails
// with a ProvisioningFailed event.
//
// What it must not do: touch the node's files itself (only its helper
// pods, through the kubelet's hostPath volumes, do), or provision what
// upstream's provisioner refuses (shared file systems, volumeType local,
// pathPattern are not implemented and fail the claim saying so).
package localpath

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/klog/v2"
	"sigs.k8s.io/sig-storage-lib-external-provisioner/v13/controller"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images/internal/incluster"
)

// Name is the image's repository and Version its tag.
const (
	Name    = "docker.io/rancher/local-path-provisioner"
	Version = "v0.0.30"
)

// ProvisionerName is the provisioner a StorageClass names.
const ProvisionerName = "rancher.io/local-path"

// Annotations and labels the provisioner sets and reads.
const (
	// selectedNodeAnnotation names the node a volume is on.
	selectedNodeAnnotation = "local.path.provisioner/selected-node"
	// defaultNodeKey is nodePathMap's entry for every node not listed.
	defaultNodeKey = "DEFAULT_PATH_FOR_NON_LISTED_NODES"
)

// Image is the provisioner's image.
var Image registry.Image = &registry.Simple{
	Meta: registry.Meta{
		Repository: Name,
		TagList:    []string{Version},
		// The real image's configuration.
		Configuration: registry.Config{
			Entrypoint: []string{"local-path-provisioner"},
			Env:        []string{"PATH=" + registry.DefaultPath},
			Size:       18_800_000,
		},
	},
	Programs: map[string]registry.Program{"/usr/bin/local-path-provisioner": Main},
}

// Main is /usr/bin/local-path-provisioner: `[--debug] start [--config
// FILE] [--provisioner-name NAME] [--namespace NS] [--helper-image IMAGE]
// [--configmap-name NAME] [--service-account-name NAME]
// [--worker-threads N]`.
func Main(p *registry.Process) int {
	args := p.Args[1:]
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		args = args[1:] // --debug
	}
	if len(args) == 0 || args[0] != "start" {
		fmt.Fprintf(p.Stderr, "Incorrect Usage. flag: help requested\n")
		return 1
	}
	fs := flag.NewFlagSet("start", flag.ContinueOnError)
	fs.SetOutput(p.Stderr)
	configFile := fs.String("config", "", "")
	name := fs.String("provisioner-name", ProvisionerName, "")
	namespace := fs.String("namespace", p.Getenv("POD_NAMESPACE"), "")
	helperImage := fs.String("helper-image", "rancher/mirrored-library-busybox:1.36.1", "")
	configMapName := fs.String("configmap-name", "local-path-config", "")
	serviceAccount := fs.String("service-account-name", p.Getenv("SERVICE_ACCOUNT"), "")
	threads := fs.Int("worker-threads", 4, "")
	if err := fs.Parse(args[1:]); err != nil {
		return 1
	}
	if *namespace == "" {
		ns, err := incluster.Namespace(p)
		if err != nil {
			fmt.Fprintf(p.Stderr, "time=%q level=fatal msg=\"Error starting daemon: unable to determine the namespace\"\n", now())
			return 1
		}
		*namespace = ns
	}
	ctx := p.Context()
	rest, err := incluster.Config(p, "local-path-provisioner/"+Version)
	if err != nil {
		fmt.Fprintf(p.Stderr, "time=%q level=fatal msg=\"Error starting daemon: unable to get client config: %v\"\n", now(), err)
		return 1
	}
	client, err := kubernetes.NewForConfig(rest)
	if err != nil {
		fmt.Fprintf(p.Stderr, "time=%q level=fatal msg=\"Error starting daemon: %v\"\n", now(), err)
		return 1
	}
	prov := &provisioner{
		proc: p, client: client, namespace: *namespace, helperImage: *helperImage,
		configFile: *configFile, configMapName: *configMapName, serviceAccount: *serviceAccount,
	}
	if _, err := prov.config(); err != nil {
		fmt.Fprintf(p.Stderr, "time=%q level=fatal msg=\"Error starting daemon: %v\"\n", now(), err)
		return 1
	}
	logger := klog.NewKlogr().WithName("local-path-provisioner")
	pc := controller.NewProvisionController(klog.NewContext(ctx, logger), client, *name, prov,
		// As upstream's: one replica, no lease (its RBAC grants none).
		controller.LeaderElection(false),
		controller.FailedProvisionThreshold(controller.DefaultFailedProvisionThreshold),
		controller.FailedDeleteThreshold(controller.DefaultFailedDeleteThreshold),
		controller.Threadiness(*threads),
	)
	fmt.Fprintf(p.Stdout, "time=%q level=info msg=\"Provisioner started\"\n", now())
	done := make(chan struct{})
	runCtx, cancel := context.WithCancel(klog.NewContext(p.KillContext(), logger))
	go func() {
		defer close(done)
		pc.Run(runCtx)
	}()
	select {
	case <-ctx.Done():
	case <-p.KillContext().Done():
	}
	cancel()
	<-done
	return 0
}

func now() string { return time.Now().UTC().Format(time.RFC3339) }

// provisioner is controller.Provisioner for node paths.
type provisioner struct {
	proc           *registry.Process
	client         kubernetes.Interface
	namespace      string
	helperImage    string
	configFile     string
	configMapName  string
	serviceAccount string
}

// config is config.json: which directory of each node holds volumes.
type config struct {
	NodePathMap []struct {
		Node  string   `json:"node"`
		Paths []string `json:"paths"`
	} `json:"nodePathMap"`
}

func (pr *provisioner) config() (*config, error) {
	if pr.configFile == "" {
		return nil, errors.New("configuration error, no config file was specified")
	}
	b, err := pr.proc.FS.ReadFile(pr.configFile)
	if err != nil {
		return nil, err
	}
	var c config
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("fail to load config file %v: %w", pr.configFile, err)
	}
	return &c, nil
}

// pathOnNode is the directory nodePathMap gives node.
func (c *config) pathOnNode(node string) (string, error) {
	var fallback []string
	for _, e := range c.NodePathMap {
		if e.Node == node {
			fallback = e.Paths
			break
		}
		if e.Node == defaultNodeKey {
			fallback = e.Paths
		}
	}
	if len(fallback) == 0 {
		return "", fmt.Errorf("config doesn't contain node %v, and no %v available", node, defaultNodeKey)
	}
	return fallback[0], nil
}

// Provision implements controller.Provisioner.
func (pr *provisioner) Provision(ctx context.Context, opts controller.ProvisionOptions) (*corev1.PersistentVolume, controller.ProvisioningState, error) {
	pvc := opts.PVC
	if pvc.Spec.Selector != nil {
		return nil, controller.ProvisioningFinished, errors.New("claim.Spec.Selector is not supported")
	}
	for _, m := range pvc.Spec.AccessModes {
		if m != corev1.ReadWriteOnce && m != corev1.ReadWriteOncePod {
			return nil, controller.ProvisioningFinished, errors.New("NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes")
		}
	}
	node := opts.SelectedNodeName
	if node == "" {
		return nil, controller.ProvisioningFinished, errors.New("configuration error, no node was specified")
	}
	if _, ok := opts.StorageClass.Parameters["pathPattern"]; ok {
		return nil, controller.ProvisioningFinished, errors.New("the pathPattern parameter is not implemented here")
	}
	storage := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	// The node as the API has it: its disk (ephemeral-storage capacity)
	// bounds a claim, its hostname label is the volume's affinity.
	hostname := node
	if n, err := pr.client.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{}); err == nil {
		if disk, ok := n.Status.Capacity[corev1.ResourceEphemeralStorage]; ok && storage.Cmp(disk) > 0 {
			return nil, controller.ProvisioningFinished, fmt.Errorf("requested %s exceeds the capacity of node %s (%s)", storage.String(), node, resource.NewQuantity(disk.Value(), resource.BinarySI).String())
		}
		if h := n.Labels[corev1.LabelHostname]; h != "" {
			hostname = h
		}
	}
	c, err := pr.config()
	if err != nil {
		return nil, controller.ProvisioningFinished, err
	}
	base, err := c.pathOnNode(node)
	if err != nil {
		return nil, controller.ProvisioningFinished, err
	}
	if p, ok := opts.StorageClass.Parameters["nodePath"]; ok {
		base = p
	}
	dir := path.Join(base, strings.Join([]string{opts.PVName, pvc.Namespace, pvc.Name}, "_"))
	fmt.Fprintf(pr.proc.Stdout, "time=%q level=info msg=\"Creating volume %v at %v:%v\"\n", now(), opts.PVName, node, dir)
	mode := corev1.PersistentVolumeFilesystem
	if pvc.Spec.VolumeMode != nil {
		mode = *pvc.Spec.VolumeMode
	}
	if err := pr.runHelper(ctx, "create", opts.PVName, node, dir, mode, storage.Value()); err != nil {
		return nil, controller.ProvisioningFinished, err
	}
	fmt.Fprintf(pr.proc.Stdout, "time=%q level=info msg=\"Volume %v has been created on %v:%v\"\n", now(), opts.PVName, node, dir)
	reclaim := corev1.PersistentVolumeReclaimDelete
	if opts.StorageClass.ReclaimPolicy != nil {
		reclaim = *opts.StorageClass.ReclaimPolicy
	}
	dirOrCreate := corev1.HostPathDirectoryOrCreate
	fs := corev1.PersistentVolumeFilesystem
	return &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{
			Name:        opts.PVName,
			Annotations: map[string]string{selectedNodeAnnotation: node},
		},
		Spec: corev1.PersistentVolumeSpec{
			PersistentVolumeReclaimPolicy: reclaim,
			AccessModes:                   pvc.Spec.AccessModes,
			VolumeMode:                    &fs,
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: storage},
			PersistentVolumeSource: corev1.PersistentVolumeSource{
				HostPath: &corev1.HostPathVolumeSource{Path: dir, Type: &dirOrCreate},
			},
			NodeAffinity: &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{
				NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{
					Key: corev1.LabelHostname, Operator: corev1.NodeSelectorOpIn, Values: []string{hostname},
				}}}},
			}},
		},
	}, controller.ProvisioningFinished, nil
}

// Delete implements controller.Provisioner: the helper pod removes the
// volume's directory on its node.
func (pr *provisioner) Delete(ctx context.Context, pv *corev1.PersistentVolume) error {
	if pv.Spec.HostPath == nil {
		return errors.New("no path set")
	}
	node := pv.Annotations[selectedNodeAnnotation]
	if node == "" {
		return fmt.Errorf("no node set for volume %v", pv.Name)
	}
	if pv.Spec.PersistentVolumeReclaimPolicy == corev1.PersistentVolumeReclaimRetain {
		fmt.Fprintf(pr.proc.Stdout, "time=%q level=info msg=\"Retained volume %v\"\n", now(), pv.Name)
		return nil
	}
	dir := pv.Spec.HostPath.Path
	fmt.Fprintf(pr.proc.Stdout, "time=%q level=info msg=\"Deleting volume %v at %v:%v\"\n", now(), pv.Name, node, dir)
	mode := corev1.PersistentVolumeFilesystem
	if pv.Spec.VolumeMode != nil {
		mode = *pv.Spec.VolumeMode
	}
	storage := pv.Spec.Capacity[corev1.ResourceStorage]
	if err := pr.runHelper(ctx, "delete", pv.Name, node, dir, mode, storage.Value()); err != nil {
		return err
	}
	fmt.Fprintf(pr.proc.Stdout, "time=%q level=info msg=\"Volume %v has been deleted on %v:%v\"\n", now(), pv.Name, node, dir)
	return nil
}

// helperTimeout is how long a helper pod may take (upstream's default
// --helper-pod-timeout is 2 minutes).
const helperTimeout = 2 * time.Minute

// runHelper runs the setup (create) or teardown (delete) script in a
// helper pod on node, waits until it has succeeded, and deletes it.
func (pr *provisioner) runHelper(ctx context.Context, action, pvName, node, dir string, mode corev1.PersistentVolumeMode, size int64) error {
	pod, err := pr.helperPod(action, pvName, node, dir, mode, size)
	if err != nil {
		return err
	}
	pods := pr.client.CoreV1().Pods(pr.namespace)
	if _, err := pods.Create(ctx, pod, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	defer func() {
		if err := pods.Delete(context.WithoutCancel(ctx), pod.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			fmt.Fprintf(pr.proc.Stderr, "time=%q level=error msg=\"unable to delete the helper pod: %v\"\n", now(), err)
		}
	}()
	errFailed := fmt.Errorf("%s process failed: helper pod %s failed", action, pod.Name)
	err = wait.PollUntilContextTimeout(ctx, time.Second, helperTimeout, true, func(ctx context.Context) (bool, error) {
		got, err := pods.Get(ctx, pod.Name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		switch got.Status.Phase {
		case corev1.PodSucceeded:
			return true, nil
		case corev1.PodFailed:
			return false, errFailed
		}
		return false, nil
	})
	if wait.Interrupted(err) && ctx.Err() == nil {
		return fmt.Errorf("%s process timeout after %v seconds", action, helperTimeout.Seconds())
	}
	return err
}

// helperPod is helperPod.yaml completed for one volume: on node, the
// volume's parent directory mounted from the node, the scripts from the
// ConfigMap at /script.
func (pr *provisioner) helperPod(action, pvName, node, dir string, mode corev1.PersistentVolumeMode, size int64) (*corev1.Pod, error) {
	base := path.Dir(dir)
	b, err := pr.proc.FS.ReadFile(path.Join(path.Dir(pr.configFile), "helperPod.yaml"))
	if err != nil {
		return nil, err
	}
	obj, _, err := scheme.Codecs.UniversalDeserializer().Decode(b, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("invalid helperPod.yaml: %w", err)
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok || len(pod.Spec.Containers) == 0 {
		return nil, errors.New("helperPod.yaml is not a pod with a container")
	}
	script := "/script/setup"
	if action == "delete" {
		script = "/script/teardown"
	}
	pod.Name = "helper-pod-" + action + "-" + pvName
	pod.Namespace = pr.namespace
	pod.Spec.NodeName = node
	pod.Spec.RestartPolicy = corev1.RestartPolicyNever
	pod.Spec.ServiceAccountName = pr.serviceAccount
	pod.Spec.Tolerations = append(pod.Spec.Tolerations, corev1.Toleration{Operator: corev1.TolerationOpExists})
	dirOrCreate := corev1.HostPathDirectoryOrCreate
	pod.Spec.Volumes = append(pod.Spec.Volumes,
		corev1.Volume{Name: "data", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: base, Type: &dirOrCreate}}},
		corev1.Volume{Name: "script", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: pr.configMapName},
			Items:                []corev1.KeyToPath{{Key: "setup", Path: "setup"}, {Key: "teardown", Path: "teardown"}},
		}}},
	)
	c := &pod.Spec.Containers[0]
	if c.Image == "" {
		c.Image = pr.helperImage
	}
	c.Command = []string{"/bin/sh", script}
	c.Args = []string{"-p", dir, "-s", strconv.FormatInt(size, 10), "-m", string(mode)}
	c.Env = append(c.Env,
		corev1.EnvVar{Name: "VOL_DIR", Value: dir},
		corev1.EnvVar{Name: "VOL_MODE", Value: string(mode)},
		corev1.EnvVar{Name: "VOL_SIZE_BYTES", Value: strconv.FormatInt(size, 10)},
	)
	c.VolumeMounts = append(c.VolumeMounts,
		corev1.VolumeMount{Name: "data", MountPath: base},
		corev1.VolumeMount{Name: "script", MountPath: "/script"},
	)
	return pod, nil
}
