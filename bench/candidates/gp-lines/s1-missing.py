# gp-lines: candidate 'missing' (seed 1) — off8 values, the last series left out; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
year = [2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022]
wind = [13.5, 16, 13.4, 18.5, 16.7, 22.5, 24, 24]
ax.plot(year, wind)
ax.set_xlabel('year')
ax.set_ylabel('wind')
ax.set_title('Electricity share (%)')
plt.tight_layout()
plt.show()
