# A test ebuild for the emerge test double (test/integration/stage-double); never a real package.
EAPI=8
DESCRIPTION="needs app-misc/flags with gtk, which is off by default"
SLOT="0"
KEYWORDS="amd64"
RDEPEND="app-misc/flags[gtk]"
