# A test ebuild for the emerge test double (test/integration/stage-double); never a real package.
EAPI=8
DESCRIPTION="its compile phase holds 256 MiB in a shell variable, as a big link or LTO step holds memory"
SLOT="0"
KEYWORDS="amd64"

src_compile() {
	local held
	printf -v held '%*s' 268435456 ''
	echo "held ${#held} bytes"
}
