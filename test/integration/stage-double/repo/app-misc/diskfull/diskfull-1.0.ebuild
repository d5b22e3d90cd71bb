# A test ebuild for the emerge test double (test/integration/stage-double); never a real package.
EAPI=8
DESCRIPTION="its compile phase writes to a full device (/dev/full answers every write with ENOSPC)"
SLOT="0"
KEYWORDS="amd64"

src_compile() {
	echo "generated output" > /dev/full || die "writing the generated output failed"
}
