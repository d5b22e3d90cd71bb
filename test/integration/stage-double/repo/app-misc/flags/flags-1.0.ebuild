# A test ebuild for the emerge test double (test/integration/stage-double); never a real package.
EAPI=8
DESCRIPTION="USE flags with a default"
SLOT="0"
KEYWORDS="amd64"
IUSE="+ssl doc gtk"

src_install() {
	mkdir -p "${D}/usr/share/flags" && echo "${PF}" > "${D}/usr/share/flags/version"
}
