package cluster

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/webernetes/webernetes/handwritten/registry/images/coredns"
	"github.com/webernetes/webernetes/handwritten/registry/images/localpath"
)

//go:embed coredns.yaml
var coreDNSManifest string

// deployDNS creates the cluster DNS add-on: CoreDNS's ServiceAccount,
// RBAC, Corefile ConfigMap, Deployment and the kube-dns Service at
// ClusterDNS, as kubeadm's addon phase creates them.
func deployDNS(ctx context.Context, client clientset.Interface) error {
	manifest := strings.NewReplacer("@COREDNS_IMAGE@", coredns.Name+":"+coredns.Version, "@DNS_IP@", ClusterDNS).Replace(coreDNSManifest)
	return deployAddon(ctx, client, "cluster DNS", manifest)
}

//go:embed localpath.yaml
var localPathManifest string

// deployStorage creates the default storage add-on as kind does: the
// local-path provisioner (its namespace, RBAC, ConfigMap and Deployment)
// and the default StorageClass standard.
func deployStorage(ctx context.Context, client clientset.Interface) error {
	manifest := strings.ReplaceAll(localPathManifest, "@LOCAL_PATH_IMAGE@", localpath.Name+":"+localpath.Version)
	return deployAddon(ctx, client, "default storage", manifest)
}

// deployAddon creates the objects of an add-on's manifest (what names it
// in errors); objects that exist are left as they are.
func deployAddon(ctx context.Context, client clientset.Interface, what, manifest string) error {
	docs := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(manifest)))
	for {
		doc, err := docs.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		obj, _, err := scheme.Codecs.UniversalDeserializer().Decode(doc, nil, nil)
		if err != nil {
			return fmt.Errorf("%s manifest: %w", what, err)
		}
		opts := metav1.CreateOptions{}
		switch o := obj.(type) {
		case *corev1.Namespace:
			_, err = client.CoreV1().Namespaces().Create(ctx, o, opts)
		case *corev1.ServiceAccount:
			_, err = client.CoreV1().ServiceAccounts(o.Namespace).Create(ctx, o, opts)
		case *rbacv1.ClusterRole:
			_, err = client.RbacV1().ClusterRoles().Create(ctx, o, opts)
		case *rbacv1.ClusterRoleBinding:
			_, err = client.RbacV1().ClusterRoleBindings().Create(ctx, o, opts)
		case *rbacv1.Role:
			_, err = client.RbacV1().Roles(o.Namespace).Create(ctx, o, opts)
		case *rbacv1.RoleBinding:
			_, err = client.RbacV1().RoleBindings(o.Namespace).Create(ctx, o, opts)
		case *corev1.ConfigMap:
			_, err = client.CoreV1().ConfigMaps(o.Namespace).Create(ctx, o, opts)
		case *appsv1.Deployment:
			_, err = client.AppsV1().Deployments(o.Namespace).Create(ctx, o, opts)
		case *corev1.Service:
			_, err = client.CoreV1().Services(o.Namespace).Create(ctx, o, opts)
		case *storagev1.StorageClass:
			_, err = client.StorageV1().StorageClasses().Create(ctx, o, opts)
		default:
			return fmt.Errorf("%s manifest: unexpected %T", what, obj)
		}
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
}
