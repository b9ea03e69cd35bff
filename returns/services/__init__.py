"""Every write of the returns app: the RMA workflow and closing return windows."""

from .labels import return_in_transit, return_label_issue
from .requests import (
    ItemReceipt,
    ReturnItemInput,
    return_approve,
    return_cancel,
    return_inspect,
    return_receive,
    return_reject,
    return_request_create,
    return_resolve,
)
from .windows import returns_close_windows

__all__ = [
    "ItemReceipt",
    "ReturnItemInput",
    "return_approve",
    "return_cancel",
    "return_in_transit",
    "return_inspect",
    "return_label_issue",
    "return_receive",
    "return_reject",
    "return_request_create",
    "return_resolve",
    "returns_close_windows",
]
