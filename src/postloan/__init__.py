"""postloan: customizable post-loan management platform (定制化贷后管理系统)."""

__version__ = "0.1.0"
