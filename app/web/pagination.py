"""Page numbers for HTML lists."""

from dataclasses import dataclass, replace

from app.config import get_settings


@dataclass(frozen=True)
class Page:
    number: int
    size: int
    total: int = 0
    more: bool = False  # there are more than ``total``: the count stopped at its cap

    @classmethod
    def of(cls, number: int, size: int | None = None) -> "Page":
        return cls(max(1, min(number, 10_000)), size or get_settings().page_size)

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    def with_total(self, total: int, cap: int | None = None) -> "Page":
        """``cap``: the count stopped there, and a total above it means "more than ``cap``"."""
        if cap is not None and total > cap:
            return replace(self, total=cap, more=True)
        return replace(self, total=total)
