//! Integration tests: the real server on 127.0.0.1 port 0, driven over real sockets.

mod activities;
mod api;
mod common;
mod compat;
mod crash;
mod disk_full;
mod durability;
mod edges;
mod erasure;
mod faults;
mod follow;
mod full_session;
mod live;
mod meeting_date;
mod network;
mod office;
mod outbox;
mod phone;
mod programmes;
mod puppets;
mod room;
mod security;
mod series;
mod storage_budget;
mod tables;
