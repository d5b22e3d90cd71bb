# A test ebuild for the emerge test double (test/integration/stage-double); never a real package.
EAPI=8
DESCRIPTION="depends on a package no repository has"
SLOT="0"
KEYWORDS="amd64"
RDEPEND="dev-libs/missing"
