package perl_test

import (
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/containerfs"
	"github.com/webernetes/webernetes/handwritten/registry/images/perl"
	"github.com/webernetes/webernetes/handwritten/registry/internal/proctest"
)

// docsPi2000 is what the Kubernetes Job example's pod logs (kubernetes.io,
// "Jobs": `perl -Mbignum=bpi -wle "print bpi(2000)"`), without the newline.
const docsPi2000 = "" +
	"3.14159265358979323846264338327950288419716939937510582097494459230781640628620899862803482534211706" +
	"7982148086513282306647093844609550582231725359408128481117450284102701938521105559644622948954930381" +
	"9644288109756659334461284756482337867831652712019091456485669234603486104543266482133936072602491412" +
	"7372458700660631558817488152092096282925409171536436789259036001133053054882046652138414695194151160" +
	"9433057270365759591953092186117381932611793105118548074462379962749567351885752724891227938183011949" +
	"1298336733624406566430860213949463952247371907021798609437027705392171762931767523846748184676694051" +
	"3200056812714526356082778577134275778960917363717872146844090122495343014654958537105079227968925892" +
	"3542019956112129021960864034418159813629774771309960518707211349999998372978049951059731732816096318" +
	"5950244594553469083026425223082533446850352619311881710100031378387528865875332083814206171776691473" +
	"0359825349042875546873115956286388235378759375195778185778053217122680661300192787661119590921642019" +
	"8938095257201065485863278865936153381827968230301952035301852968995773622599413891249721775283479131" +
	"5155748572424541506959508295331168617278558890750983817546374649393192550604009277016711390098488240" +
	"1285836160356370766010471018194295559619894676783744944825537977472684710404753464620804668425906949" +
	"1293313677028989152104752162056966024058038150193511253382430035587640247496473263914199272604269922" +
	"7967823547816360093417216412199245863150302861829745557067498385054945885869269956909272107975093029" +
	"5532116534498720275596023648066549911988183479775356636980742654252786255181841757467289097777279380" +
	"0081647060016145249192173217214772350141441973568548161361157352552133475741849468438523323907394143" +
	"3345477624168625189835694855620992192221842725502542568876717904946016534668049886272327917860857843" +
	"8382796797668145410095388378636095068006422512520511739298489608412848862694560424196528502221066118" +
	"6306744278622039194945047123713786960956364371917287467764657573962413890865832645995813390478027590" +
	"1"

// run runs argv in the image and returns status, stdout and stderr.
func run(t *testing.T, argv ...string) (int, string, string) {
	t.Helper()
	p := proctest.New(t, perl.Image, nil, argv)
	code := p.Run(t, 30*time.Second)
	return code, p.Out.String(), p.Err.String()
}

func TestImage(t *testing.T) {
	img := perl.Image
	cfg := img.Config()
	if img.Name() != "docker.io/library/perl" || strings.Join(cfg.Cmd, " ") != "perl5.42.0 -de0" || cfg.WorkingDir != "/usr/src/app" || len(cfg.Entrypoint) != 0 {
		t.Errorf("image %s config %+v", img.Name(), cfg)
	}
	for _, tag := range []string{"5.34.0", "5.34", "5.36", "5.38", "5.40", "5.42.0", "5", "latest", "slim", "5.34.0-slim", "5.40-slim", "5-slim-threaded", "trixie", "5.42-slim-bookworm"} {
		if !slices.Contains(img.Tags(), tag) {
			t.Errorf("tag %s missing", tag)
		}
	}
	seen := map[string]bool{}
	for _, tag := range img.Tags() {
		if seen[tag] {
			t.Errorf("tag %s twice", tag)
		}
		seen[tag] = true
	}
	if _, err := (&registry.Process{Image: img, Env: cfg.Env}).LookPath(cfg.Cmd[0]); err != nil {
		t.Errorf("default command: %v", err)
	}
	for _, tag := range []string{"5.34.2", "5.44", "5.34-bookworm", "alpine"} {
		if slices.Contains(img.Tags(), tag) {
			t.Errorf("tag %s served", tag)
		}
	}
	for _, path := range []string{"/usr/local/bin/perl", "/usr/local/bin/perl5.42.0", "/bin/sh", "/bin/bash", "/usr/bin/curl", "/bin/cat"} {
		if _, ok := img.Program(path); !ok {
			t.Errorf("no %s", path)
		}
	}
	for _, path := range []string{"/usr/bin/perl", "/usr/bin/wget", "/bin/nc"} {
		if _, ok := img.Program(path); ok {
			t.Errorf("%s exists", path)
		}
	}
	code, out, errOut := proctest.Sh(t, img, nil, "echo debian; perl -le 'print \"from sh\"'; wget -q -O- http://x")
	if code != 127 || out != "debian\nfrom sh\n" || errOut != "sh: 1: wget: not found\n" {
		t.Errorf("dash: %d %q %q", code, out, errOut)
	}
}

func TestJobExample(t *testing.T) {
	// The Job of kubernetes.io's "Jobs" page, as its manifest runs it.
	code, out, errOut := run(t, "perl", "-Mbignum=bpi", "-wle", "print bpi(2000)")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if out != docsPi2000+"\n" {
		t.Errorf("output %d bytes, begins %.20q, ends %q; want the docs' π", len(out), out, out[max(0, len(out)-20):])
	}
	// "3." and 1999 more digits: 2000 significant digits.
	if digits := strings.TrimSuffix(strings.Replace(out, ".", "", 1), "\n"); len(digits) != 2000 || strings.Trim(digits, "0123456789") != "" {
		t.Errorf("%d significant digits", len(digits))
	}
}

// gaussLegendrePi computes π to digits decimal places with the
// Gauss–Legendre (AGM) iteration, independently of the image's Machin
// series, and returns it truncated: "3.14159…".
func gaussLegendrePi(digits int) string {
	prec := uint(float64(digits+30) * 3.33)
	newF := func(x float64) *big.Float { return new(big.Float).SetPrec(prec).SetFloat64(x) }
	a, b, tt, p := newF(1), newF(0.5), newF(0.25), newF(1)
	b.Sqrt(b)
	for i := 0; i < 40; i++ {
		an := newF(0).Add(a, b)
		an.Quo(an, newF(2))
		bn := newF(0).Mul(a, b)
		bn.Sqrt(bn)
		d := newF(0).Sub(a, an)
		d.Mul(d, d).Mul(d, p)
		tt.Sub(tt, d)
		p.Mul(p, newF(2))
		a, b = an, bn
	}
	pi := newF(0).Add(a, b)
	pi.Mul(pi, pi).Quo(pi, newF(0).Mul(newF(4), tt))
	s := pi.Text('f', digits+20)
	return s[:digits+2]
}

// rounded is π to n significant digits from the truncated decimals of
// pi: half up on the next digit.
func rounded(pi string, n int) string {
	digits := []byte(strings.Replace(pi, ".", "", 1))
	if digits[n] >= '5' {
		i := n - 1
		for ; digits[i] == '9'; i-- {
			digits[i] = '0'
		}
		digits[i]++
	}
	if n == 1 {
		return string(digits[:1])
	}
	return string(digits[:1]) + "." + string(digits[1:n])
}

func TestBpiDigits(t *testing.T) {
	pi := gaussLegendrePi(2600)
	if !strings.HasPrefix(pi, "3.14159265358979323846264338327950288419716939937510") {
		t.Fatalf("reference π %.60s", pi)
	}
	if rounded(pi, 2000) != docsPi2000 {
		t.Fatalf("the reference π disagrees with the docs' at 2000 digits")
	}
	for n, want := range map[int]string{1: "3", 2: "3.1", 3: "3.14", 5: "3.1416", 10: "3.141592654", 33: "3.14159265358979323846264338327950"} {
		if got := rounded(pi, n); got != want {
			t.Errorf("reference rounding of %d digits: %s, want %s", n, got, want)
		}
	}
	for _, n := range []int{1, 2, 3, 5, 10, 33, 100, 999, 1000, 1001, 1999, 2001, 2500} {
		code, out, errOut := run(t, "perl", "-Mbignum=bpi", "-le", "print bpi("+itoa(n)+")")
		if want := rounded(pi, n) + "\n"; code != 0 || out != want || errOut != "" {
			t.Errorf("bpi(%d): %d %q %q; want %q", n, code, tail(out), errOut, tail(want))
		}
	}
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }

func tail(s string) string { return s[max(0, len(s)-30):] }

func TestSwitches(t *testing.T) {
	const pi10 = "3.141592654"
	for _, tc := range []struct {
		argv []string
		want string
	}{
		{[]string{"perl", "-Mbignum=bpi", "-wle", "print bpi(10)"}, pi10 + "\n"},
		{[]string{"perl", "-wle", "print bpi(10)", "-Mbignum=bpi"}, pi10 + "\n"},
		{[]string{"perl", "-lwe", "print bpi(10)", "-Mbignum=bpi"}, pi10 + "\n"},
		{[]string{"perl", "-w", "-l", "-Mbignum=bpi", "-e", "print bpi(10)"}, pi10 + "\n"},
		{[]string{"perl", "-Mbignum=bpi", "-le", "print bpi(10);"}, pi10 + "\n"},
		{[]string{"perl", "-Mbignum=bpi", "-eprint bpi( 10 )"}, pi10},
		{[]string{"perl", "-Mbignum=bpi", "-we", "print(bpi(10), \"\\n\")"}, pi10 + "\n"},
		{[]string{"perl", "-Mbigrat=bpi", "-le", "print bpi(10)"}, pi10 + "\n"},
		{[]string{"perl", "-Mbigint=bpi", "-le", "print bpi(10)"}, "3\n"},
		{[]string{"perl", "-Mstrict", "-Mbignum=PI,bpi", "-l012", "-e", "print bpi(3); print bpi(4)"}, "3.14\n3.142\n"},
		{[]string{"perl", "-e", "print 'it''s', \"\\t\\\"q\\\"\\n\""}, ""},
		{[]string{"perl", "-e", `print 'it\'s', "\t\"q\"\n"`}, "it's\t\"q\"\n"},
		{[]string{"perl", "-le", "print 'a'; print \"b\"; # comment", "-e", "print 'c', 'd'"}, "a\nb\ncd\n"},
		// -e's are lines of one program: without ";" this is perl's syntax error.
		{[]string{"perl", "-le", "print 'a'", "-e", "print 'b'"}, ""},
	} {
		code, out, errOut := run(t, tc.argv...)
		ok := code == 0 && errOut == "" && out == tc.want
		if tc.want == "" {
			// Programs the work-alike cannot run: an honest error.
			ok = code == 255 && out == "" && strings.Contains(errOut, "work-alike")
		}
		if !ok {
			t.Errorf("%q: %d %q %q; want %q", tc.argv, code, out, errOut, tc.want)
		}
	}
}

func TestVersion(t *testing.T) {
	const want = "\nThis is perl 5, version 42, subversion 0 (v5.42.0) built for x86_64-linux-gnu\n\nCopyright 1987-2025, Larry Wall\n\n" +
		"Perl may be copied only under the terms of either the Artistic License or the\nGNU General Public License, which may be found in the Perl 5 source kit.\n\n" +
		"Complete documentation for Perl, including FAQ lists, should be found on\nthis system using \"man perl\" or \"perldoc perl\".  If you have access to the\n" +
		"Internet, point your browser at https://www.perl.org/, the Perl Home Page.\n\n"
	for _, argv := range [][]string{{"perl", "-v"}, {"perl", "--version"}, {"perl5.42.0", "-wv"}, {"perl", "-v", "-k"}} {
		if code, out, errOut := run(t, argv...); code != 0 || out != want || errOut != "" {
			t.Errorf("%q: %d %q %q", argv, code, out, errOut)
		}
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "hello.pl"), []byte("print \"hello\\n\";\n"), 0o644)
	for _, tc := range []struct {
		argv     []string
		code     int
		out, err string // err "" means the honest refusal
	}{
		{[]string{"perl", "-k"}, 29, "", "Unrecognized switch: -k  (-h will show valid options).\n"},
		{[]string{"perl", "-lAz", "-e", "1"}, 29, "", "Unrecognized switch: -Az  (-h will show valid options).\n"},
		{[]string{"perl", "--foo"}, 29, "", "Unrecognized switch: --foo  (-h will show valid options).\n"},
		{[]string{"perl", "-e"}, 29, "", "No code specified for -e.\n"},
		{[]string{"perl", "-M", "bignum"}, 29, "", "Missing argument to -M.\n"},
		{[]string{"perl", "nosuch.pl"}, 2, "", "Can't open perl script \"nosuch.pl\": No such file or directory\n"},
		{[]string{"perl", "-le", "print bpi(3)"}, 255, "", "Undefined subroutine &main::bpi called at -e line 1.\n"},
		{[]string{"perl", "--", "-e"}, 2, "", "Can't open perl script \"-e\": No such file or directory\n"},
		{[]string{"perl", "-Mbignum", "-le", "print 'a';", "-e", "print bpi(3)"}, 255, "a\n", "Undefined subroutine &main::bpi called at -e line 2.\n"},
		{[]string{"perl", "/mnt/hello.pl"}, 255, "", ""},
		{[]string{"perl"}, 255, "", ""},
		{[]string{"perl5.42.0", "-de0"}, 255, "", ""},
		{[]string{"perl", "-ne", "print"}, 255, "", ""},
		{[]string{"perl", "-e", "print $x"}, 255, "", ""},
		{[]string{"perl", "-e", "print \"$x\""}, 255, "", ""},
		{[]string{"perl", "-e", "print 1+1"}, 255, "", ""},
		{[]string{"perl", "-e", "my $x = 1;"}, 255, "", ""},
		{[]string{"perl", "-e", "print"}, 255, "", ""},
		{[]string{"perl", "-e", "print \"\\x41\""}, 255, "", ""},
		{[]string{"perl", "-MPOSIX", "-e", "print 'x'"}, 255, "", ""},
		{[]string{"perl", "-Mbignum=a,50", "-e", "print 'x'"}, 255, "", ""},
		{[]string{"perl", "-Mbignum=bpi", "-e", "print bpi(0)"}, 255, "", ""},
		{[]string{"perl", "-Mbignum=bpi", "-e", "print bpi(100001)"}, 255, "", ""},
		{[]string{"perl", "-Mbignum=bpi", "-e", "print bpi()"}, 255, "", ""},
		{[]string{"perl", "-Mbignum=bpi", "-e", "print bpi(2000) + 1"}, 255, "", ""},
	} {
		p := proctest.New(t, perl.Image, nil, tc.argv, proctest.WithMounts(mount(dir)))
		code := p.Run(t, 10*time.Second)
		errOut := p.Err.String()
		okErr := errOut == tc.err
		if tc.err == "" {
			okErr = strings.HasPrefix(errOut, "perl: this image's perl is a work-alike, not a Perl interpreter: ") && strings.Count(errOut, "\n") == 1
		}
		if code != tc.code || p.Out.String() != tc.out || !okErr {
			t.Errorf("%q: %d %q %q", tc.argv, code, p.Out.String(), errOut)
		}
	}
}

func mount(dir string) containerfs.Mount {
	return containerfs.Mount{ContainerPath: "/mnt", HostPath: dir}
}

func TestUsageAndKill(t *testing.T) {
	var mu sync.Mutex
	var reports [][2]int64
	record := func(cpu, mem int64) {
		mu.Lock()
		defer mu.Unlock()
		reports = append(reports, [2]int64{cpu, mem})
	}
	p := proctest.New(t, perl.Image, nil, []string{"perl", "-Mbignum=bpi", "-le", "print bpi(50)"})
	p.Usage = record
	if code := p.Run(t, 10*time.Second); code != 0 {
		t.Fatalf("exit %d", code)
	}
	mu.Lock()
	if len(reports) != 2 || reports[0][0] != 1000 || reports[0][1] <= 0 || reports[1] != [2]int64{0, 0} {
		t.Errorf("usage reports %v; want one busy CPU, then nothing", reports)
	}
	reports = nil
	mu.Unlock()

	// SIGKILL ends a long computation at once, with nothing printed.
	p = proctest.New(t, perl.Image, nil, []string{"perl", "-Mbignum=bpi", "-le", "print bpi(30000)"})
	p.Usage = record
	done := p.Start(t)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		mu.Lock()
		n := len(reports)
		mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no usage reported")
		}
	}
	p.Stop() // SIGTERM: perl as the container's init ignores it
	select {
	case code := <-done:
		t.Fatalf("exited %d on SIGTERM", code)
	case <-time.After(20 * time.Millisecond):
	}
	p.KillNow()
	select {
	case <-done:
	case <-time.After(100 * time.Millisecond):
		t.Fatal("perl survived SIGKILL")
	}
	if p.Out.String() != "" {
		t.Errorf("printed %q", p.Out.String())
	}
}
